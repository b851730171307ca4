// npm run bench:quality-thresholds -- DIR [DIR ...] [--percentile 1]
//
// Derives the quality gate's light, blur and pose thresholds from real live faces: every image of
// a folder of live photos (searched recursively), or the live/ frames of a pad dataset
// (either layout of pad-data.ts; its attack frames are ignored). For each face the detector
// finds (the best one per image) it measures the face-region metrics the gate uses, and
// prints the thresholds at the given percentile of live faces (lower bounds at p, upper
// bounds at 100 − p): with p = 1, the gate stops about 1 % of such faces per reason.
// The defaults in firmware/vision/quality.ts come from this script; it says with which data.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { chooseFace } from '../../firmware/vision/enrol.js';
import { FaceEngine } from '../../firmware/vision/engine.js';
import { percentile } from './eval.js';
import { decodeImage } from '../../firmware/vision/image.js';
import { DEFAULT_QUALITY } from '../../firmware/vision/quality.js';
import { PAD_CLASSES, readPadDataset } from './pad-data.js';

const program = new Command()
  .name('bench:quality-thresholds')
  .argument('<dirs...>', 'folders of live photos, or pad datasets (their live/ frames)')
  .option('--percentile <p>', 'percentile of live faces each threshold sits at (lower bounds at p, upper at 100 − p)', (v) => Number(v), 1)
  .parse();
const p = program.opts<{ percentile: number }>().percentile;

function liveImages(dir: string): Array<{ group: string; path: string }> {
  const root = resolve(dir);
  if (!existsSync(root)) throw new Error(`${root} not found`);
  const isPad = readdirSync(root).some((n) => (PAD_CLASSES as readonly string[]).includes(n) || PAD_CLASSES.some((k) => existsSync(join(root, n, k))));
  if (isPad) return readPadDataset(root).filter((r) => r.kind === 'live').flatMap((r) => r.frames.map((path) => ({ group: r.id, path })));
  const out: Array<{ group: string; path: string }> = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const f = join(d, n);
      if (statSync(f).isDirectory()) walk(f);
      else if (/^\.(jpe?g|png|webp)$/i.test(extname(n))) out.push({ group: root, path: f });
    }
  };
  walk(root);
  return out;
}

async function main(): Promise<void> {
  if (!(p > 0 && p < 50)) throw new Error('--percentile must be between 0 and 50');
  const files = program.args.flatMap(liveImages);
  const engine = await FaceEngine.create();
  const rows: Array<{ group: string; brightness: number; clipped: number; sharpness: number; surround: number; yaw: number; pitch: number; roll: number }> = [];
  let noFace = 0;
  for (const f of files) {
    const img = await decodeImage(readFileSync(f.path));
    const box = chooseFace((await engine.detect(img)).map((b) => ({ box: b })))?.box;
    if (!box) {
      noFace++;
      continue;
    }
    const a = await engine.analyseFace(img, box, { liveness: 'never', embed: 'never' });
    const m = a.quality.metrics;
    rows.push({ group: f.group, brightness: m.brightness, clipped: m.clipped, sharpness: m.sharpness, surround: m.surround, yaw: Math.abs(m.yaw), pitch: m.pitch, roll: Math.abs(m.rollDeg) });
  }
  await engine.close();
  const w = (s: string) => process.stdout.write(`${s}\n`);
  w(`live faces measured: ${rows.length} (no face found in ${noFace} of ${files.length} images)`);
  const groups = [...new Set(rows.map((r) => r.group))];
  w('per recording: n  face luma p1/p50/p99  clipped p99  sharpness p1/p50  |yaw| p50/p99');
  for (const g of groups) {
    const r = rows.filter((x) => x.group === g);
    const q = (k: 'brightness' | 'clipped' | 'sharpness' | 'yaw', x: number) => percentile(r.map((y) => y[k]), x);
    w(`   ${g.padEnd(48)}${String(r.length).padStart(4)}  ${[0.01, 0.5, 0.99].map((x) => q('brightness', x).toFixed(0)).join('/')}  ${q('clipped', 0.99).toFixed(3)}  ${q('sharpness', 0.01).toFixed(3)}/${q('sharpness', 0.5).toFixed(3)}  ${q('yaw', 0.5).toFixed(2)}/${q('yaw', 0.99).toFixed(2)}`);
  }
  const lo = p / 100;
  const hi = 1 - lo;
  const minFaceLuma = Math.floor(percentile(rows.map((r) => r.brightness), lo));
  const maxClipped = Math.ceil(100 * percentile(rows.map((r) => r.clipped), hi)) / 100;
  const minSharpness = Math.floor(100 * percentile(rows.map((r) => r.sharpness), lo)) / 100;
  w(`\nthresholds at p${p} / p${100 - p} (percentiles) of these ${rows.length} live faces (pooled):`);
  w(`   minFaceLuma: ${minFaceLuma}     (current default ${DEFAULT_QUALITY.minFaceLuma})`);
  w(`   maxClipped: ${maxClipped}     (current default ${DEFAULT_QUALITY.maxClipped})`);
  w(`   minSharpness: ${minSharpness}   (current default ${DEFAULT_QUALITY.minSharpness})`);
  const stop = (pred: (r: (typeof rows)[number]) => boolean) => `${((100 * rows.filter(pred).length) / Math.max(1, rows.length)).toFixed(1)}%`;
  // Pose: the turn a live person shows while walking up; a stricter gate only delays decisions.
  const maxYaw = Math.ceil(100 * percentile(rows.map((r) => r.yaw), hi)) / 100;
  const pitchRange = [Math.floor(100 * percentile(rows.map((r) => r.pitch), lo)) / 100, Math.ceil(100 * percentile(rows.map((r) => r.pitch), hi)) / 100];
  const maxRollDeg = Math.ceil(percentile(rows.map((r) => r.roll), hi));
  w(`   maxYaw: ${maxYaw}     (current default ${DEFAULT_QUALITY.maxYaw})`);
  w(`   pitchRange: [${pitchRange.join(', ')}]     (current default [${DEFAULT_QUALITY.pitchRange.join(', ')}])`);
  w(`   maxRollDeg: ${maxRollDeg}     (current default ${DEFAULT_QUALITY.maxRollDeg})`);
  const t = DEFAULT_QUALITY;
  w(`stopped by the current defaults: pose ${stop((r) => r.yaw > t.maxYaw || r.pitch < t.pitchRange[0] || r.pitch > t.pitchRange[1] || r.roll > t.maxRollDeg)} (yaw ${stop((r) => r.yaw > t.maxYaw)})`);
  w(`stopped by the current defaults: dark ${stop((r) => r.brightness < DEFAULT_QUALITY.minFaceLuma)}, washed out ${stop((r) => r.clipped > DEFAULT_QUALITY.maxClipped)}, blur ${stop((r) => r.sharpness < DEFAULT_QUALITY.minSharpness)}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:quality-thresholds: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
