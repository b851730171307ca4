// npm run bench:liveness -- --dataset DIR [--level medium] [--threads N]
//
// DIR holds live/, print/, replay/ and other/ folders of photos or frames. Prints, for the
// configured level's threshold, BPCER (live faces called spoofs) and APCER per attack
// type (attacks accepted as live), the score distribution of each class, and the DET
// points needed to choose a threshold. Faces the quality gate rejects are reported
// apart: at the door they get a hint ("step out of backlight"), not a spoof verdict.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { chooseFace } from '../../firmware/vision/enrol.js';
import { FaceEngine } from '../../firmware/vision/engine.js';
import { histogram, percentile } from '../../firmware/vision/eval.js';
import { decodeImage } from '../../firmware/vision/image.js';
import { LIVENESS_LEVELS, LIVENESS_THRESHOLDS, type LivenessLevel } from '../../firmware/vision/liveness.js';

const CLASSES = ['live', 'print', 'replay', 'other'] as const;
type Kind = (typeof CLASSES)[number];

const program = new Command()
  .name('bench:liveness')
  .requiredOption('--dataset <dir>', 'folder with live/, print/, replay/, other/ sub-folders')
  .option('--level <level>', `configured level (${LIVENESS_LEVELS.join(', ')})`, 'medium')
  .option('--threads <n>', 'onnxruntime intra-op threads per session', (v) => Number(v))
  .parse();
const opts = program.opts<{ dataset: string; level: LivenessLevel; threads?: number }>();

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

async function main(): Promise<void> {
  const dir = resolve(opts.dataset);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    process.stderr.write(`bench:liveness: dataset folder ${dir} not found (expected live/, print/, replay/, other/)\n`);
    process.exit(2);
  }
  if (!LIVENESS_LEVELS.includes(opts.level)) {
    process.stderr.write(`bench:liveness: unknown level "${opts.level}"; valid: ${LIVENESS_LEVELS.join(', ')}\n`);
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

main().catch((err: unknown) => {
  process.stderr.write(`bench:liveness: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
