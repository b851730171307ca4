// npm run bench:liveness -- --dataset DIR [--level medium] [--threads N]
// npm run bench:liveness -- --live-only DIR [--demo-photos] [--backlight 2.5,4] [--per-face]
//
// --dataset: DIR holds live/, print/, replay/ and other/ folders of photos or frames. Prints,
// for the configured level's threshold, BPCER (live faces called spoofs) and APCER per attack
// type (attacks accepted as live), the score distribution of each class, and the DET
// points needed to choose a threshold. Faces the quality gate rejects are reported
// apart: at the door they get a hint ("step out of backlight"), not a spoof verdict.
//
// --live-only: DIR (searched recursively) holds live face photos only. Every detected face
// is scored as captured and on synthetic hard-light variants of its photo (backlit, dim,
// cheap webcam; see pad-synth.ts). Per variant: the quality gate's stops by reason, BPCER
// per level among the faces that pass the gate, and the score distribution.
// --demo-photos adds the face-api demo group photos the tests use (fetched from the registry).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { extname, join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { iou, type Box, type ScoredBox } from '../../firmware/vision/box.js';
import { chooseFace } from '../../firmware/vision/enrol.js';
import { FaceEngine } from '../../firmware/vision/engine.js';
import { histogram, percentile } from '../../firmware/vision/eval.js';
import { decodeImage, type RgbImage } from '../../firmware/vision/image.js';
import { LIVENESS_LEVELS, LIVENESS_THRESHOLDS, livenessCrop, type LivenessLevel } from '../../firmware/vision/liveness.js';
import { ensureAssets } from '../../models/fetch.js';
import { FACE_API_DEMO_ASSETS } from '../../models/manifest.js';
import { BACKLIT_DEFAULTS, DIM_DEFAULTS, WEBCAM_DEFAULTS, WEBCAM_NOISE, backlit, cheapWebcam, dim } from './pad-synth.js';

const CLASSES = ['live', 'print', 'replay', 'other'] as const;
type Kind = (typeof CLASSES)[number];

const program = new Command()
  .name('bench:liveness')
  .option('--dataset <dir>', 'folder with live/, print/, replay/, other/ sub-folders')
  .option('--live-only <dir>', 'folder of live face photos (recursive): BPCER as captured and on synthetic backlit, dim and webcam variants')
  .option('--demo-photos', 'with --live-only: add the face-api demo group photos the tests use')
  .option('--backlight <factors>', 'with --live-only: face darkening factors of the backlit variants', '2.5,4')
  .option('--per-face', 'with --live-only: list every face of every variant')
  .option('--level <level>', `configured level (${LIVENESS_LEVELS.join(', ')})`, 'medium')
  .option('--threads <n>', 'onnxruntime intra-op threads per session', (v) => Number(v))
  .parse();
const opts = program.opts<{
  dataset?: string;
  liveOnly?: string;
  demoPhotos?: boolean;
  backlight: string;
  perFace?: boolean;
  level: LivenessLevel;
  threads?: number;
}>();

interface Scored {
  kind: Kind;
  file: string;
  live: number;
  perScale: number[];
  faceSize: number;
  qualityOk: boolean;
  reason?: string;
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '-');
const pct = (n: number, d: number) => (d === 0 ? '  n/a' : `${((100 * n) / d).toFixed(1).padStart(5)}% (${n}/${d})`);

function rates(rows: Scored[], threshold: number): { bpcer: string; apcer: Record<string, string>; apcerMax: number } {
  const live = rows.filter((r) => r.kind === 'live');
  const apcer: Record<string, string> = {};
  let apcerMax = 0;
  for (const k of CLASSES.slice(1)) {
    const attacks = rows.filter((r) => r.kind === k);
    const accepted = attacks.filter((r) => r.live >= threshold).length;
    apcer[k] = pct(accepted, attacks.length);
    if (attacks.length) apcerMax = Math.max(apcerMax, accepted / attacks.length);
  }
  return { bpcer: pct(live.filter((r) => r.live < threshold).length, live.length), apcer, apcerMax };
}

function printRates(title: string, rows: Scored[], level: LivenessLevel): void {
  const t = LIVENESS_THRESHOLDS[level];
  const r = rates(rows, t);
  process.stdout.write(`\n== ${title}: level "${level}", threshold ${t}\n`);
  process.stdout.write(`   BPCER (live called spoof)   ${r.bpcer}\n`);
  for (const k of CLASSES.slice(1)) process.stdout.write(`   APCER ${k.padEnd(22)}${r.apcer[k]}\n`);
  process.stdout.write('   all levels: level  threshold  BPCER            APCER max over attack types\n');
  for (const l of LIVENESS_LEVELS) {
    const x = rates(rows, LIVENESS_THRESHOLDS[l]);
    process.stdout.write(`               ${l.padEnd(7)}${String(LIVENESS_THRESHOLDS[l]).padEnd(11)}${x.bpcer.padEnd(17)}${(100 * x.apcerMax).toFixed(1)}%\n`);
  }
}

async function padDataset(dataset: string): Promise<void> {
  const dir = resolve(dataset);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    process.stderr.write(`bench:liveness: dataset folder ${dir} not found (expected live/, print/, replay/, other/)\n`);
    process.exit(2);
  }
  const engine = await FaceEngine.create({ ...(opts.threads && { intraOpThreads: opts.threads }) });
  process.stdout.write(`bench:liveness  dataset ${dir}, model ${engine.modelSet.models.liveness.description}, crop scales ${engine.modelSet.models.liveness.cropScales.join(' + ')}\n`);
  process.stdout.write(`machine: ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (shared CPU)\n`);
  const rows: Scored[] = [];
  const noFace: string[] = [];
  const ms: number[] = [];
  for (const kind of CLASSES) {
    const sub = join(dir, kind);
    if (!existsSync(sub)) continue;
    for (const f of readdirSync(sub).sort()) {
      if (!/\.(jpe?g|png|webp|bmp|tiff?)$/i.test(extname(f))) continue;
      const img = await decodeImage(readFileSync(join(sub, f)));
      const face = chooseFace((await engine.detect(img)).map((box) => ({ box })))?.box;
      if (!face) {
        noFace.push(`${kind}/${f}`);
        continue;
      }
      const a = await engine.analyseFace(img, face, { liveness: 'always', embed: 'never' });
      ms.push(a.timings.liveness);
      rows.push({
        kind,
        file: `${kind}/${f}`,
        live: a.liveness!.live,
        perScale: a.liveness!.perScale,
        faceSize: Math.round(face.x2 - face.x1),
        qualityOk: a.quality.ok,
        ...(a.quality.reason && { reason: a.quality.reason }),
      });
    }
  }
  await engine.close();
  if (rows.length === 0) {
    process.stderr.write(`bench:liveness: no faces found under ${dir}\n`);
    process.exit(2);
  }

  process.stdout.write(`\nfaces scored: ${CLASSES.map((k) => `${k} ${rows.filter((r) => r.kind === k).length}`).join(', ')}; no face found: ${noFace.length ? noFace.join(', ') : 'none'}\n`);
  process.stdout.write(`liveness ms per face (all crop scales): p50 ${percentile(ms, 0.5).toFixed(1)}, p95 ${percentile(ms, 0.95).toFixed(1)}\n`);

  process.stdout.write('\nper image: class/file  face px  quality  live (per scale)\n');
  for (const r of rows) {
    process.stdout.write(`   ${r.file.padEnd(28)}${String(r.faceSize).padStart(5)}  ${(r.reason ?? 'ok').padEnd(11)}${fmt(r.live)} (${r.perScale.map(fmt).join(', ')})\n`);
  }

  process.stdout.write('\nscore distribution (live probability):  n   min    p25    p50    p75    max    histogram 0..1 in 10 bins\n');
  for (const k of CLASSES) {
    const v = rows.filter((r) => r.kind === k).map((r) => r.live);
    if (v.length === 0) continue;
    process.stdout.write(
      `   ${k.padEnd(7)}${String(v.length).padStart(34)}  ${[0, 0.25, 0.5, 0.75, 1].map((q) => fmt(percentile(v, q))).join('  ')}  [${histogram(v).join(' ')}]\n`,
    );
  }

  const gated = rows.filter((r) => r.qualityOk);
  printRates(`faces passing the quality gate (${gated.length}/${rows.length})`, gated, opts.level);
  printRates(`all detected faces, gate ignored (${rows.length})`, rows, opts.level);
  const rejected = rows.filter((r) => !r.qualityOk);
  if (rejected.length) process.stdout.write(`\nquality-gate rejections (hint, not a spoof verdict): ${rejected.map((r) => `${r.file}: ${r.reason}`).join('; ')}\n`);

  // DET: every distinct score as a threshold, gate applied.
  process.stdout.write('\nDET points (quality-gated faces; accept as live when score ≥ threshold)\n   threshold  BPCER    APCER(print)  APCER(replay)  APCER(other)  APCER(all attacks)\n');
  const thresholds = [...new Set([0, ...gated.map((r) => r.live), 1.000001])].sort((a, b) => a - b);
  const live = gated.filter((r) => r.kind === 'live');
  const attacks = gated.filter((r) => r.kind !== 'live');
  for (const t of thresholds) {
    const a = (k: Kind) => {
      const x = gated.filter((r) => r.kind === k);
      return x.length ? ((100 * x.filter((r) => r.live >= t).length) / x.length).toFixed(1) + '%' : 'n/a';
    };
    const bp = live.length ? ((100 * live.filter((r) => r.live < t).length) / live.length).toFixed(1) + '%' : 'n/a';
    const all = attacks.length ? ((100 * attacks.filter((r) => r.live >= t).length) / attacks.length).toFixed(1) + '%' : 'n/a';
    process.stdout.write(`   ${fmt(t).padEnd(11)}${bp.padEnd(9)}${a('print').padEnd(14)}${a('replay').padEnd(15)}${a('other').padEnd(14)}${all}\n`);
  }
  if (rows.length < 30) process.stdout.write(`\nnote: ${rows.length} faces are a smoke test, not a measurement.\n`);
}

// ---- --live-only: BPCER on live photos as captured and under synthetic hard light ----

const IMAGE_FILE = /\.(jpe?g|png|webp|bmp|tiff?)$/i;

function listImages(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listImages(p));
    else if (IMAGE_FILE.test(extname(name))) out.push(p);
  }
  return out;
}

interface Variant {
  name: string;
  /** The synthesis parameters, printed with the results. */
  params: string;
  make(img: RgbImage, faces: readonly Box[]): Promise<{ image: RgbImage; faces: readonly Box[]; upscaled?: boolean }>;
}

const noiseText = `sensor noise σ² = ${WEBCAM_NOISE.shot}·L + ${WEBCAM_NOISE.read}² (linear, per channel)`;

function hardLightVariants(backlightFactors: readonly number[]): Variant[] {
  const b = BACKLIT_DEFAULTS;
  return [
    { name: 'captured', params: 'the photo as it is', make: async (image, faces) => ({ image, faces }) },
    ...backlightFactors.map((k, i): Variant => ({
      name: `backlit ÷${k}`,
      params:
        `linear light: people (head ellipse 1.3w×1.6h + torso, soft edge ±${b.falloff}) ÷${k}, background ×${b.backgroundGain} ` +
        `clipped at full scale, glare +${b.glare}, ${noiseText}`,
      make: async (img, faces) => ({ image: backlit(img, faces, { faceDarkening: k, seed: 11 + i }), faces }),
    })),
    {
      name: `dim ×${DIM_DEFAULTS.exposure}`,
      params: `linear light: global exposure ×${DIM_DEFAULTS.exposure}, ${noiseText}`,
      make: async (img, faces) => ({ image: dim(img), faces }),
    },
    {
      name: `webcam ${WEBCAM_DEFAULTS.width}×${WEBCAM_DEFAULTS.height} q${WEBCAM_DEFAULTS.jpegQuality}`,
      params: `cropped to 4:3 about the faces, resized to ${WEBCAM_DEFAULTS.width}×${WEBCAM_DEFAULTS.height} (Lanczos), JPEG q${WEBCAM_DEFAULTS.jpegQuality} 4:2:0`,
      make: (img, faces) => cheapWebcam(img, faces),
    },
  ];
}

interface LiveRow {
  variant: string;
  face: string;
  /** Undefined when the detector lost the face in this variant. */
  live?: number;
  reason?: string;
  faceLuma?: number;
  surroundLuma?: number;
  /** Context the liveness crop got: its width over the face box's, after shrinking to fit the frame. */
  context?: number;
}

/** Minimum liveness-crop context of the what-if "too close" gate the bench reports. */
const TOO_CLOSE_WHAT_IF = [1.5, 2] as const;

/** The detection in `found` that overlaps `expected` most (IoU ≥ 0.3), each used once. */
function matchFaces(expected: readonly Box[], found: readonly ScoredBox[]): Array<ScoredBox | undefined> {
  const used = new Set<number>();
  return expected.map((e) => {
    let best = -1;
    let bestIou = 0.3;
    found.forEach((f, i) => {
      const v = iou(e, f);
      if (!used.has(i) && v >= bestIou) {
        best = i;
        bestIou = v;
      }
    });
    if (best < 0) return undefined;
    used.add(best);
    return found[best];
  });
}

function bpcer(rows: readonly LiveRow[], level: LivenessLevel): string {
  const t = LIVENESS_THRESHOLDS[level];
  return pct(rows.filter((r) => r.live! < t && level !== 'off').length, rows.length);
}

function printVariant(v: Variant, rows: readonly LiveRow[], upscaled: number): void {
  const detected = rows.filter((r) => r.live !== undefined);
  const passed = detected.filter((r) => !r.reason);
  const stopped = detected.filter((r) => r.reason);
  const reasons = new Map<string, number>();
  for (const r of stopped) reasons.set(r.reason!, (reasons.get(r.reason!) ?? 0) + 1);
  const w = (s: string) => process.stdout.write(`${s}\n`);
  w(`\n== ${v.name}: ${v.params}`);
  w(`   faces ${rows.length}: detected ${detected.length}, lost by the detector ${rows.length - detected.length}${upscaled ? `; ${upscaled} photos smaller than the frame were upscaled` : ''}`);
  w(`   quality gate: ${passed.length} pass; ${stopped.length} stopped with a hint, not a spoof verdict${stopped.length ? ` (${[...reasons].map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`);
  const lum = (k: 'faceLuma' | 'surroundLuma') => detected.map((r) => r[k]!);
  w(`   gate metrics p25/p50/p75: face luma ${[0.25, 0.5, 0.75].map((q) => percentile(lum('faceLuma'), q).toFixed(0)).join('/')}, surround luma ${[0.25, 0.5, 0.75].map((q) => percentile(lum('surroundLuma'), q).toFixed(0)).join('/')}`);
  w(`   BPCER among faces passing the gate:  ${LIVENESS_LEVELS.filter((l) => l !== 'off').map((l) => `${l} (${LIVENESS_THRESHOLDS[l]}) ${bpcer(passed, l).trim()}`).join('   ')}`);
  w(`   BPCER with the gate ignored:         ${LIVENESS_LEVELS.filter((l) => l !== 'off').map((l) => `${l} (${LIVENESS_THRESHOLDS[l]}) ${bpcer(detected, l).trim()}`).join('   ')}`);
  w('   live score:        n    min    p25    p50    p75    max   histogram 0..1 in 10 bins');
  for (const [label, set] of [['passing gate', passed], ['gate stopped', stopped]] as const) {
    const s = set.map((r) => r.live!);
    if (s.length === 0) continue;
    w(`     ${label.padEnd(13)}${String(s.length).padStart(4)}  ${[0, 0.25, 0.5, 0.75, 1].map((q) => fmt(percentile(s, q))).join('  ')}  [${histogram(s).join(' ')}]`);
  }
  // What-if: a gate reason "too close" (hint "step back") when the frame cannot hold the
  // liveness crop's context; the model was trained on crops of 2.7× and 4× the face box.
  const whatIf = TOO_CLOSE_WHAT_IF.map((c) => {
    const kept = passed.filter((r) => r.context! >= c);
    return `context < ${c}× → stops ${passed.length - kept.length} more, BPCER ${bpcer(kept, opts.level).trim()}`;
  });
  w(`   what-if "too close" gate, ${opts.level}: ${whatIf.join('; ')}`);
  const t = LIVENESS_THRESHOLDS[opts.level];
  const misses = passed.filter((r) => r.live! < t).sort((a, b) => a.live! - b.live!);
  if (misses.length) w(`   called spoof at ${opts.level} (gate passed; face, context, score): ${misses.slice(0, 8).map((r) => `${r.face} ${r.context!.toFixed(2)}× ${fmt(r.live!)}`).join(', ')}${misses.length > 8 ? ', …' : ''}`);
}

async function liveOnly(dir: string | undefined, demoPhotos: boolean): Promise<void> {
  const files: Array<{ path: string; label: string }> = [];
  if (dir) {
    const root = resolve(dir);
    if (!existsSync(root) || !statSync(root).isDirectory()) {
      process.stderr.write(`bench:liveness: live-face folder ${root} not found\n`);
      process.exit(2);
    }
    for (const p of listImages(root)) files.push({ path: p, label: relative(root, p) });
  }
  if (demoPhotos) {
    for (const [name, path] of await ensureAssets(FACE_API_DEMO_ASSETS)) files.push({ path, label: `face-api/${name}` });
  }
  const factors = opts.backlight.split(',').map(Number);
  if (factors.some((k) => !(k >= 1 && k <= 20))) {
    process.stderr.write(`bench:liveness: --backlight takes factors between 1 and 20, e.g. 2.5,4\n`);
    process.exit(2);
  }
  if (files.length === 0) {
    process.stderr.write('bench:liveness: no photos (give --live-only DIR and/or --demo-photos)\n');
    process.exit(2);
  }
  const engine = await FaceEngine.create({ ...(opts.threads && { intraOpThreads: opts.threads }) });
  process.stdout.write(`bench:liveness --live-only  ${files.length} photos: ${[dir && resolve(dir), demoPhotos && 'the face-api demo group photos'].filter(Boolean).join(' + ')}\n`);
  process.stdout.write(`model ${engine.modelSet.models.liveness.description}, crop scales ${engine.modelSet.models.liveness.cropScales.join(' + ')}; level "${opts.level}" threshold ${LIVENESS_THRESHOLDS[opts.level]}\n`);
  process.stdout.write(`machine: ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (shared CPU)\n`);
  process.stdout.write('every face the detector finds in the photo counts as one live face; in a variant it is matched to a detection by IoU ≥ 0.3\n');
  const variants = hardLightVariants(factors);
  const maxScale = Math.max(...engine.modelSet.models.liveness.cropScales);
  const rows = new Map<string, LiveRow[]>(variants.map((v) => [v.name, []]));
  const upscaled = new Map<string, number>();
  const started = Date.now();
  for (const f of files) {
    const img = await decodeImage(readFileSync(f.path));
    const faces = await engine.detect(img);
    if (faces.length === 0) {
      process.stdout.write(`   no face found in ${f.label} (skipped)\n`);
      continue;
    }
    for (const v of variants) {
      const made = await v.make(img, faces);
      if (made.upscaled) upscaled.set(v.name, (upscaled.get(v.name) ?? 0) + 1);
      const found = made.image === img ? faces : await engine.detect(made.image);
      const matched = matchFaces(made.faces, found);
      for (let i = 0; i < matched.length; i++) {
        const face = faces.length > 1 ? `${f.label}#${i + 1}` : f.label;
        const box = matched[i];
        if (!box) {
          rows.get(v.name)!.push({ variant: v.name, face });
          continue;
        }
        const a = await engine.analyseFace(made.image, box, { liveness: 'always', embed: 'never' });
        rows.get(v.name)!.push({
          variant: v.name,
          face,
          live: a.liveness!.live,
          faceLuma: a.quality.metrics.brightness,
          surroundLuma: a.quality.metrics.surround,
          context: livenessCrop(box, maxScale, made.image.width, made.image.height).width / (box.x2 - box.x1),
          ...(a.quality.reason && { reason: a.quality.reason }),
        });
      }
    }
  }
  await engine.close();
  process.stdout.write(`scored in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  for (const v of variants) printVariant(v, rows.get(v.name)!, upscaled.get(v.name) ?? 0);

  process.stdout.write(`\nsummary at level "${opts.level}" (threshold ${LIVENESS_THRESHOLDS[opts.level]}); target BPCER ≤ 5% on faces passing the gate\n`);
  process.stdout.write(`   variant              faces  lost  gate-stopped  pass  BPCER (gate passed)   BPCER (gate ignored)  BPCER (what-if too-close gate at ${TOO_CLOSE_WHAT_IF[0]}×)\n`);
  for (const v of variants) {
    const r = rows.get(v.name)!;
    const det = r.filter((x) => x.live !== undefined);
    const passed = det.filter((x) => !x.reason);
    process.stdout.write(
      `   ${v.name.padEnd(21)}${String(r.length).padStart(5)}${String(r.length - det.length).padStart(6)}${String(det.length - passed.length).padStart(14)}${String(passed.length).padStart(6)}  ${bpcer(passed, opts.level).padEnd(20)}  ${bpcer(det, opts.level).padEnd(20)}  ${bpcer(passed.filter((x) => x.context! >= TOO_CLOSE_WHAT_IF[0]), opts.level)}\n`,
    );
  }
  if (opts.perFace) {
    process.stdout.write('\nper face: variant  face  quality  face/surround luma  liveness-crop context  live\n');
    for (const v of variants) {
      for (const r of rows.get(v.name)!) {
        process.stdout.write(`   ${v.name.padEnd(21)}${r.face.padEnd(44)}${r.live === undefined ? 'lost' : `${(r.reason ?? 'ok').padEnd(11)}${r.faceLuma!.toFixed(0).padStart(4)}/${r.surroundLuma!.toFixed(0).padEnd(5)}${r.context!.toFixed(2).padStart(5)}×  ${fmt(r.live)}`}\n`);
      }
    }
  }
  const total = rows.get('captured')!.length;
  if (total < 100) process.stdout.write(`\nnote: ${total} live faces; one face is ${(100 / Math.max(1, total)).toFixed(1)} points of BPCER. The variants are synthetic: they show the direction and size of the effect, not field rates.\n`);
}

async function main(): Promise<void> {
  if (!LIVENESS_LEVELS.includes(opts.level)) {
    process.stderr.write(`bench:liveness: unknown level "${opts.level}"; valid: ${LIVENESS_LEVELS.join(', ')}\n`);
    process.exit(2);
  }
  if (opts.liveOnly !== undefined || opts.demoPhotos) return liveOnly(opts.liveOnly, !!opts.demoPhotos);
  if (opts.dataset === undefined) {
    process.stderr.write('bench:liveness: give --dataset DIR (live/ print/ replay/ other/) or --live-only DIR\n');
    process.exit(2);
  }
  return padDataset(opts.dataset);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:liveness: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
