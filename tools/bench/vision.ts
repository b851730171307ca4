// npm run bench:vision -- --dataset DIR [--degrade] [--no-peer] [--threads N] [--gallery N] [--mirror-below PX]
//
// DIR holds one folder per identity. Prints, for Limen and for the peer
// @vladmandic/human (tfjs-wasm) on the same images in the same run: detection rate,
// all-pairs ROC AUC, EER, TAR at FAR 1e-2 / 1e-3, per-stage ms (p50/p95), and Limen's
// frame-to-decision latency on 640×480 frames. Each side makes one untimed pass over the
// images before the timed one (steady state). Speed is compared like for like: Limen
// with liveness against the peer with its antispoof + liveness models, and both without.
// --degrade repeats everything on 4×-shrunk copies saved as JPEG q50.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import sharp from 'sharp';
import { chooseFace } from '../../firmware/vision/enrol.js';
import { FaceEngine } from '../../firmware/vision/engine.js';
import { equalErrorRate, percentile, rocAuc, tarAtFar } from './eval.js';
import { loadHuman } from './human-peer.js';
import { decodeImage, type RgbImage } from '../../firmware/vision/image.js';
import { Matcher } from '../../firmware/vision/matcher/index.js';
import type { FaceDecision } from '../../firmware/vision/decisions.js';
import { FacePipeline } from '../../firmware/vision/pipeline.js';
import { cropResize } from '../../firmware/vision/resample.js';

const program = new Command()
  .name('bench:vision')
  .requiredOption('--dataset <dir>', 'folder with one sub-folder of photos per identity')
  .option('--degrade', 'also run on 4×-shrunk JPEG q50 copies', false)
  .option('--no-peer', 'skip the @vladmandic/human peer')
  .option('--threads <n>', 'onnxruntime intra-op threads per session', (v) => Number(v))
  .option('--gallery <n>', 'synthetic templates in the matcher for the latency run', (v) => Number(v), 1000)
  .option('--mirror-below <px>', 'embed faces narrower than this as the mean of the face and its mirror image (default off)', (v) => Number(v))
  .parse();
const opts = program.opts<{ dataset: string; degrade: boolean; peer: boolean; threads?: number; gallery: number; mirrorBelow?: number }>();

interface Sample {
  identity: string;
  file: string;
  bytes: Buffer;
}

function listDataset(dir: string): Sample[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    process.stderr.write(`bench:vision: dataset folder ${dir} not found (expected one sub-folder per identity)\n`);
    process.exit(2);
  }
  const out: Sample[] = [];
  for (const id of readdirSync(dir).sort()) {
    const p = join(dir, id);
    if (!statSync(p).isDirectory()) continue;
    for (const f of readdirSync(p).sort()) {
      if (!/\.(jpe?g|png|webp|bmp|tiff?)$/i.test(extname(f))) continue;
      out.push({ identity: id, file: `${id}/${f}`, bytes: readFileSync(join(p, f)) });
    }
  }
  return out;
}

async function degrade(bytes: Buffer): Promise<Buffer> {
  const img = sharp(bytes).rotate();
  const meta = await img.toBuffer({ resolveWithObject: true });
  return sharp(meta.data)
    .resize(Math.max(1, Math.round(meta.info.width / 4)), Math.max(1, Math.round(meta.info.height / 4)))
    .jpeg({ quality: 50 })
    .toBuffer();
}

/** The photo fitted into a 640×480 frame (aspect kept, grey padding), as a camera would deliver it. */
function toFrame(img: RgbImage): RgbImage {
  const W = 640, H = 480;
  const s = Math.min(W / img.width, H / img.height, 1);
  const w = Math.max(1, Math.round(img.width * s));
  const h = Math.max(1, Math.round(img.height * s));
  const small = s < 1 ? cropResize(img, { x: 0, y: 0, width: img.width, height: img.height }, w, h) : img;
  const data = new Uint8Array(W * H * 3).fill(110);
  const x0 = (W - w) >> 1;
  const y0 = (H - h) >> 1;
  for (let y = 0; y < h; y++) data.set(small.data.subarray(y * w * 3, (y + 1) * w * 3), ((y + y0) * W + x0) * 3);
  return { width: W, height: H, data };
}

interface RunResult {
  name: string;
  images: number;
  detected: number;
  embeddings: Array<{ identity: string; e: Float32Array }>;
  stages: Record<string, number[]>;
  similarity: (a: Float32Array, b: Float32Array) => number;
  notes: string[];
}

function push(stages: Record<string, number[]>, k: string, v: number): void {
  (stages[k] ??= []).push(v);
}

async function runLimen(engine: FaceEngine, samples: Sample[], variant: string, liveness: 'always' | 'never' = 'always'): Promise<RunResult> {
  const r: RunResult = {
    name: `limen (${engine.modelSet.name}, onnxruntime-node)${liveness === 'never' ? ', liveness off' : ''}`,
    images: samples.length,
    detected: 0,
    embeddings: [],
    stages: {},
    similarity: (a, b) => {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
      return s;
    },
    notes: [],
  };
  let gated = 0;
  for (const s of samples) {
    let t = performance.now();
    const img = await decodeImage(s.bytes);
    push(r.stages, 'decode', performance.now() - t);
    const start = performance.now();
    const boxes = await engine.detect(img);
    push(r.stages, 'detect', performance.now() - start);
    const box = chooseFace(boxes.map((b) => ({ box: b })))?.box;
    if (!box) continue;
    r.detected++;
    const a = await engine.analyseFace(img, box, { embed: 'always', liveness, ...(opts.mirrorBelow !== undefined && { mirrorBelow: opts.mirrorBelow }) });
    push(r.stages, 'TOTAL', performance.now() - start);
    for (const [k, v] of Object.entries(a.timings)) push(r.stages, k === 'livenessAndEmbed' ? 'liveness ∥ embed' : k, v);
    if (a.quality.ok) gated++;
    r.embeddings.push({ identity: s.identity, e: a.embedding! });
  }
  r.notes.push(`${gated}/${r.detected} chosen faces pass the quality gate (all ${r.detected} are scored)`);
  r.notes.push(`variant: ${variant}`);
  return r;
}

/** Frame-to-decision on 640×480 frames: pipeline (1 frame per decision) + real matcher. */
async function latency(engine: FaceEngine, samples: Sample[], gallerySize: number): Promise<{ ms: number[]; decisions: number; frames: number }> {
  const matcher = new Matcher({ dim: engine.embedder.spec.dims });
  // A site-sized gallery of random unit templates plus one template per identity.
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  for (let i = 0; i < gallerySize; i++) {
    const v = new Float32Array(engine.embedder.spec.dims).map(rnd);
    matcher.add(`t${i}`, `p${i}`, v);
  }
  await matcher.flush();
  const pipeline = new FacePipeline({ engine, matcher, framesForDecision: 1, livenessLevel: 'medium' });
  const ms: number[] = [];
  let decisions = 0;
  let ts = 0;
  for (const s of samples) {
    const frame = toFrame(await decodeImage(s.bytes));
    ts += 10_000; // every photo is a new approach
    const t = performance.now();
    const res = await pipeline.processFrame({ width: frame.width, height: frame.height, format: 'rgb24', data: frame.data, seq: 1, timestamp: ts });
    const dt = performance.now() - t;
    const made: FaceDecision[] = res.decisions.filter((d) => d.qualityReason === undefined);
    if (made.length > 0) {
      decisions++;
      ms.push(dt);
    }
  }
  await matcher.close();
  return { ms, decisions, frames: samples.length };
}

// ---- peer: @vladmandic/human on tfjs-wasm, run as its users run it ----

interface Peer {
  run(samples: Sample[], variant: string): Promise<RunResult>;
  close(): Promise<void>;
}

async function createPeer(withLiveness: boolean): Promise<Peer> {
  // Antispoof + liveness off for the plain comparison; on for the one that does Limen's work.
  const peer = await loadHuman({ describe: true, antispoof: withLiveness });
  const { human, loadMs } = peer;
  return {
    async run(samples, variant) {
      const r: RunResult = {
        name: `peer ${peer.version}${withLiveness ? ', antispoof + liveness on' : ''}`,
        images: samples.length,
        detected: 0,
        embeddings: [],
        stages: {},
        similarity: (a, b) => human.match.similarity(Array.from(a), Array.from(b)),
        notes: [
          `models loaded in ${loadMs.toFixed(0)} ms`,
          `variant: ${variant}`,
          `TOTAL = one human.detect() call (BlazeFace + face mesh + faceres description${withLiveness ? ' + antispoof + liveness' : ''})`,
        ],
      };
      // One untimed pass first (kernels compiled, caches warm), as Limen gets.
      for (const s of samples) {
        await peer.faces(await decodeImage(s.bytes));
      }
      for (const s of samples) {
        let t0 = performance.now();
        const img = await decodeImage(s.bytes);
        push(r.stages, 'decode', performance.now() - t0);
        const tensor = peer.tensor(img);
        t0 = performance.now();
        const found = (await human.detect(tensor)).face;
        push(r.stages, 'TOTAL', performance.now() - t0);
        tensor.dispose();
        const faces = found.filter((f) => f.embedding && f.embedding.length > 0);
        const best = [...faces].sort((a, b) => Math.round(b.score * 100) - Math.round(a.score * 100) || b.box[2] * b.box[3] - a.box[2] * a.box[3])[0];
        if (!best) continue;
        r.detected++;
        r.embeddings.push({ identity: s.identity, e: Float32Array.from(best.embedding!) });
      }
      return r;
    },
    close: () => peer.close(),
  };
}

// ---- report ----

function verification(r: RunResult) {
  const genuine: number[] = [];
  const impostor: number[] = [];
  for (let i = 0; i < r.embeddings.length; i++) {
    for (let j = i + 1; j < r.embeddings.length; j++) {
      const a = r.embeddings[i]!, b = r.embeddings[j]!;
      (a.identity === b.identity ? genuine : impostor).push(r.similarity(a.e, b.e));
    }
  }
  return {
    genuine: genuine.length,
    impostor: impostor.length,
    auc: rocAuc(genuine, impostor),
    eer: equalErrorRate(genuine, impostor),
    tar2: tarAtFar(genuine, impostor, 1e-2),
    tar3: tarAtFar(genuine, impostor, 1e-3),
  };
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : String(v));
const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');

function report(r: RunResult): { p50Total: number } {
  // TOTAL is the wall time per image from detection to embedding (decode excluded).
  const v = verification(r);
  process.stdout.write(`\n== ${r.name}\n`);
  for (const n of r.notes) process.stdout.write(`   ${n}\n`);
  process.stdout.write(`   detection rate      ${r.detected}/${r.images} = ${(r.detected / r.images).toFixed(3)}\n`);
  process.stdout.write(`   pairs               ${v.genuine} genuine, ${v.impostor} impostor (FAR resolution 1/${v.impostor})\n`);
  process.stdout.write(`   ROC AUC             ${f3(v.auc)}\n`);
  process.stdout.write(`   EER                 ${f3(v.eer.eer)} (threshold ${f3(v.eer.threshold)})\n`);
  process.stdout.write(`   TAR @ FAR 1e-2      ${f3(v.tar2.tar)} (threshold ${f3(v.tar2.threshold)})\n`);
  process.stdout.write(`   TAR @ FAR 1e-3      ${f3(v.tar3.tar)} (threshold ${f3(v.tar3.threshold)})\n`);
  process.stdout.write('   stage ms            p50     p95\n');
  for (const [k, vals] of Object.entries(r.stages)) {
    process.stdout.write(`     ${k.padEnd(18)}${ms(percentile(vals, 0.5)).padStart(6)}  ${ms(percentile(vals, 0.95)).padStart(6)}\n`);
  }
  return { p50Total: percentile(r.stages.TOTAL ?? [], 0.5) };
}

/** One line for a run whose accuracy was already reported: its TOTAL p50 / p95. */
function totalOnly(r: RunResult): number {
  const vals = r.stages.TOTAL ?? [];
  process.stdout.write(`\n== ${r.name}\n     TOTAL             ${ms(percentile(vals, 0.5)).padStart(6)}  ${ms(percentile(vals, 0.95)).padStart(6)}\n`);
  return percentile(vals, 0.5);
}

async function main(): Promise<void> {
  const dir = resolve(opts.dataset);
  const samples = listDataset(dir);
  if (samples.length < 2) {
    process.stderr.write(`bench:vision: ${dir} has fewer than 2 photos\n`);
    process.exit(2);
  }
  process.stdout.write(`bench:vision  dataset ${dir}: ${samples.length} photos, ${new Set(samples.map((s) => s.identity)).size} identities\n`);
  process.stdout.write(`machine: ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other processes share the CPU: figures are upper bounds)\n`);
  const engine = await FaceEngine.create({ ...(opts.threads && { intraOpThreads: opts.threads }) });
  const peer = opts.peer ? await createPeer(false) : undefined;
  const peerLive = opts.peer ? await createPeer(true) : undefined;
  const variants: Array<[string, Sample[]]> = [['clean', samples]];
  if (opts.degrade) {
    const degraded: Sample[] = [];
    for (const s of samples) degraded.push({ ...s, bytes: await degrade(s.bytes) });
    variants.push(['degraded (4× shrunk, JPEG q50)', degraded]);
  }
  for (const [variant, set] of variants) {
    process.stdout.write(`\n######## ${variant}\n`);
    // Each side first makes one untimed pass over the images: steady state, as a terminal runs.
    await runLimen(engine, set, variant);
    const mine = report(await runLimen(engine, set, variant));
    const lat = await latency(engine, set, opts.gallery);
    process.stdout.write(
      `   frame-to-decision   p50 ${ms(percentile(lat.ms, 0.5))} ms, p95 ${ms(percentile(lat.ms, 0.95))} ms ` +
        `(640×480 rgb24 frame → detect, landmarks, align, quality, liveness, embed, match in a ${opts.gallery}-template gallery; ` +
        `${lat.decisions}/${lat.frames} frames gave a decision, the others were stopped by the quality gate)\n`,
    );
    const mineNoLive = totalOnly(await runLimen(engine, set, variant, 'never'));
    if (peer && peerLive) {
      const theirs = report(await peer.run(set, variant));
      const theirsLive = totalOnly(await peerLive.run(set, variant));
      const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
      process.stdout.write(
        `\n   speed ratio, TOTAL p50 per image (decode excluded), peer / limen:\n` +
          `     same work, liveness on both sides    ${ratio(theirsLive, mine.p50Total).padStart(6)}  (${ms(theirsLive)} / ${ms(mine.p50Total)} ms)\n` +
          `     same work, liveness off both sides   ${ratio(theirs.p50Total, mineNoLive).padStart(6)}  (${ms(theirs.p50Total)} / ${ms(mineNoLive)} ms)\n` +
          `     limen with liveness, peer without    ${ratio(theirs.p50Total, mine.p50Total).padStart(6)}  (${ms(theirs.p50Total)} / ${ms(mine.p50Total)} ms)\n`,
      );
    }
  }
  process.stdout.write(`\nload average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  await peer?.close();
  await peerLive?.close();
  await engine.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:vision: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
