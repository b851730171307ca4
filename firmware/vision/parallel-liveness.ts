// Liveness scored in a worker thread; the caller overlaps it with the embedding.
import { Worker } from 'node:worker_threads';
import type { LivenessModelSpec } from '../../models/manifest.js';
import type { Box } from './box.js';
import { VisionError } from './errors.js';
import type { RgbImage } from './image.js';
import { livenessCrop, type LivenessScore } from './liveness.js';
import type { LivenessReply, LivenessRequest, LivenessWorkerData } from './liveness-worker.js';

/** Copies the part of `img` that the widest liveness crop needs, and the box relative to it. */
function region(img: RgbImage, box: Box, scales: readonly number[]): { img: RgbImage; box: Box } {
  let x0 = img.width, y0 = img.height, x1 = 0, y1 = 0;
  for (const s of scales) {
    const r = livenessCrop(box, s, img.width, img.height);
    x0 = Math.min(x0, r.x);
    y0 = Math.min(y0, r.y);
    x1 = Math.max(x1, r.x + r.width);
    y1 = Math.max(y1, r.y + r.height);
  }
  // One pixel of margin for the filter taps; integer bounds inside the image.
  const ix0 = Math.max(0, Math.floor(x0) - 1);
  const iy0 = Math.max(0, Math.floor(y0) - 1);
  const ix1 = Math.min(img.width, Math.ceil(x1) + 1);
  const iy1 = Math.min(img.height, Math.ceil(y1) + 1);
  const w = ix1 - ix0;
  const h = iy1 - iy0;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) data.set(img.data.subarray(((iy0 + y) * img.width + ix0) * 3, ((iy0 + y) * img.width + ix1) * 3), y * w * 3);
  return { img: { width: w, height: h, data }, box: { x1: box.x1 - ix0, y1: box.y1 - iy0, x2: box.x2 - ix0, y2: box.y2 - iy0 } };
}

export class WorkerLivenessScorer {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (s: LivenessScore) => void; reject: (e: Error) => void }>();
  private failed: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly spec: LivenessModelSpec,
  ) {
    worker.on('message', (m: LivenessReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if ('error' in m) p.reject(new VisionError('INFERENCE_FAILED', `liveness worker: ${m.error}`));
      else p.resolve({ live: m.live, perScale: m.perScale });
    });
    const fail = (err: Error) => {
      this.failed = err;
      for (const p of this.pending.values()) p.reject(new VisionError('INFERENCE_FAILED', `liveness worker stopped: ${err.message}`, { cause: err }));
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
  }

  /** Starts the worker and waits until its model is loaded and warmed up. */
  static async start(path: string, spec: LivenessModelSpec, threads: number): Promise<WorkerLivenessScorer> {
    const workerData: LivenessWorkerData = { path, spec, threads };
    // Built code runs the .js entry beside this file. Sources run under tsx, whose loader
    // hooks do not reach worker threads: a small bootstrap registers them first.
    const fromSource = import.meta.url.endsWith('.ts');
    const entry = new URL(`./liveness-worker${fromSource ? '.ts' : '.js'}`, import.meta.url);
    const worker = fromSource
      ? new Worker(
          `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`,
          { eval: true, workerData },
        )
      : new Worker(entry, { workerData });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: unknown) => {
        cleanup();
        if (m === 'ready') resolve();
        else reject(new VisionError('MODEL_LOAD_FAILED', `liveness worker: ${(m as { fatal?: string }).fatal ?? 'did not start'}`));
      };
      const onError = (err: Error) => {
        cleanup();
        reject(new VisionError('MODEL_LOAD_FAILED', `liveness worker: ${err.message}`, { cause: err }));
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
    }).catch(async (err: unknown) => {
      await worker.terminate();
      throw err;
    });
    return new WorkerLivenessScorer(worker, spec);
  }

  score(img: RgbImage, box: Box): Promise<LivenessScore> {
    if (this.failed) return Promise.reject(new VisionError('INFERENCE_FAILED', `liveness worker stopped: ${this.failed.message}`));
    const r = region(img, box, this.spec.cropScales);
    const id = this.nextId++;
    const req: LivenessRequest = { id, width: r.img.width, height: r.img.height, data: r.img.data, box: r.box };
    return new Promise<LivenessScore>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(req, [r.img.data.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    if (this.failed) return;
    const exited = new Promise<void>((r) => this.worker.once('exit', () => r()));
    this.worker.postMessage('close');
    // The worker releases its session and exits; terminate it if it does not within 2 s.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), 2000)));
    if ((await Promise.race([exited, late])) === 'late') await this.worker.terminate();
    clearTimeout(timer);
  }
}
