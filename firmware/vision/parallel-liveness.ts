// Liveness scored in a worker thread; the caller overlaps it with the embedding.
import { Worker } from 'node:worker_threads';
import type { LivenessModelSpec } from '../../models/manifest.js';
import { VisionError } from './errors.js';
import type { RgbImage } from './image.js';
import type { LivenessCropScorer, LivenessScore } from './liveness.js';
import type { LivenessReply, LivenessRequest, LivenessWorkerData } from './liveness-worker.js';

export class WorkerLivenessScorer implements LivenessCropScorer {
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

  /** Runs the model on crops from `livenessCrops` (copied to the worker: 2 × 48 KB). */
  scoreCrops(crops: readonly RgbImage[]): Promise<LivenessScore> {
    if (this.failed) return Promise.reject(new VisionError('INFERENCE_FAILED', `liveness worker stopped: ${this.failed.message}`));
    const id = this.nextId++;
    const req: LivenessRequest = { id, crops: crops.map((c) => ({ width: c.width, height: c.height, data: c.data })) };
    return new Promise<LivenessScore>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(req);
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
