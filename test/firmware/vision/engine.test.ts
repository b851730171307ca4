// Real models on real photos (the face-api demo group photos, fetched from the registry).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FACEPLUGIN_SET } from '../../../models/manifest.js';
import { ARCFACE_TEMPLATE_112, alignmentError, umeyama } from '../../../firmware/vision/align.js';
import { cosine } from '../../../firmware/vision/embedder.js';
import { FaceEngine, type FaceAnalysis } from '../../../firmware/vision/engine.js';
import { VisionError } from '../../../firmware/vision/errors.js';
import { decodeImage } from '../../../firmware/vision/image.js';
import { cropResize } from '../../../firmware/vision/resample.js';
import { LIVENESS_LEVELS, LIVENESS_THRESHOLDS, livenessCrops, passesLiveness } from '../../../firmware/vision/liveness.js';
import { closeSharedEngine, cropAround, demoPhoto, sharedEngine } from './fixtures.js';

const PEOPLE = [3, 3, 3, 4, 5, 4] as const;
const analysed = new Map<number, FaceAnalysis[]>();

async function facesOf(n: 1 | 2 | 3 | 4 | 5 | 6): Promise<FaceAnalysis[]> {
  if (!analysed.has(n)) {
    const engine = await sharedEngine();
    const img = await decodeImage(await demoPhoto(n));
    analysed.set(n, await engine.analyseImage(img, { embed: 'always', liveness: 'always' }));
  }
  return analysed.get(n)!;
}

const byX = (faces: FaceAnalysis[]) => [...faces].sort((a, b) => a.box.x1 - b.box.x1);

test('detects every person in each demo photo', async () => {
  for (let n = 1; n <= 6; n++) {
    const faces = await facesOf(n as 1);
    assert.is(faces.length, PEOPLE[n - 1], `sample${n}`);
    for (const f of faces) assert.ok(f.box.score >= 0.7 && f.box.x2 - f.box.x1 > 100, `sample${n}: box ${JSON.stringify(f.box)}`);
  }
});

test('landmarks sit in the box in face order, and align onto the template', async () => {
  for (const n of [1, 3, 5] as const) {
    for (const f of await facesOf(n)) {
      const w = f.box.x2 - f.box.x1;
      const h = f.box.y2 - f.box.y1;
      for (const [x, y] of f.points5) {
        assert.ok(x > f.box.x1 - 0.1 * w && x < f.box.x2 + 0.1 * w && y > f.box.y1 - 0.1 * h && y < f.box.y2 + 0.1 * h);
      }
      // Eyes above nose above mouth, in the face's own frame.
      assert.ok(f.quality.metrics.pitch > 0.2 && f.quality.metrics.pitch < 0.85, `pitch ${f.quality.metrics.pitch}`);
      const m = umeyama(f.points5, ARCFACE_TEMPLATE_112);
      assert.ok(alignmentError(m, f.points5, ARCFACE_TEMPLATE_112) < 6, 'points far from the template after alignment');
      assert.is(f.aligned.width, 112);
    }
  }
});

test('embeddings: unit length; shifted, scaled, re-compressed, mirrored copies match; others do not', async () => {
  const engine = await sharedEngine();
  const all: Array<{ id: string; f: FaceAnalysis }> = [];
  for (let n = 1; n <= 6; n++) (await facesOf(n as 1)).forEach((f, i) => all.push({ id: `${n}.${i}`, f }));
  for (const { f } of all) {
    assert.is(f.embedding!.length, 512);
    assert.ok(Math.abs(cosine(f.embedding!, f.embedding!) - 1) < 1e-5);
  }
  // Same person: degraded copies of frontal faces from sample3 and sample5.
  for (const n of [3, 5] as const) {
    for (const f of (await facesOf(n)).filter((x) => x.quality.ok)) {
      const copy = await cropAround(await demoPhoto(n), f.box, { scale: 2.6, shift: [0.15, -0.1], width: 260, jpegQuality: 45, brightness: 0.8, flip: true });
      const [g] = await engine.analyseImage(await decodeImage(copy), { embed: 'always', liveness: 'never' });
      assert.ok(g, 'face found in the copy');
      const same = cosine(f.embedding!, g!.embedding!);
      assert.ok(same > 0.7, `same person scored ${same.toFixed(3)}`);
    }
  }
  // Different people: every cross-face pair is low, except one woman who is in two photos
  // (rightmost in sample1, middle of sample3): she must be the best cross-photo pair.
  const s1right = byX(await facesOf(1))[2]!;
  const s3middle = byX(await facesOf(3))[1]!;
  let worst = -1;
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i]!.f, b = all[j]!.f;
      if ((a === s1right && b === s3middle) || (a === s3middle && b === s1right)) continue;
      worst = Math.max(worst, cosine(a.embedding!, b.embedding!));
    }
  }
  const pair = cosine(s1right.embedding!, s3middle.embedding!);
  assert.ok(worst < 0.5, `different people scored up to ${worst.toFixed(3)}`);
  assert.ok(pair > worst + 0.1, `same woman in two photos scored ${pair.toFixed(3)}, best impostor ${worst.toFixed(3)}`);
});

test('liveness: one probability per crop scale, fused as their mean; levels in one table', async () => {
  for (const f of await facesOf(4)) {
    const l = f.liveness!;
    assert.is(l.perScale.length, FACEPLUGIN_SET.models.liveness.cropScales.length);
    for (const p of l.perScale) assert.ok(p >= 0 && p <= 1);
    assert.ok(Math.abs(l.live - l.perScale.reduce((a, b) => a + b, 0) / l.perScale.length) < 1e-9);
  }
  assert.equal(LIVENESS_LEVELS, ['off', 'low', 'medium', 'high']);
  const t = LIVENESS_LEVELS.map((l) => LIVENESS_THRESHOLDS[l]);
  for (let i = 1; i < t.length; i++) assert.ok(t[i]! > t[i - 1]!);
  assert.ok(passesLiveness(0, 'off'));
  assert.not.ok(passesLiveness(LIVENESS_THRESHOLDS.high - 0.01, 'high'));
  assert.ok(passesLiveness(LIVENESS_THRESHOLDS.low, 'low'));
});

test('liveness in the worker thread scores like in-process liveness', async () => {
  const shared = await sharedEngine();
  // The shared engine uses the worker on ≥ 2 cores; force one elsewhere.
  const engine = shared.parallelLiveness ? shared : await FaceEngine.create({ parallelLiveness: true, intraOpThreads: 1 });
  assert.ok(engine.parallelLiveness);
  const img = await decodeImage(await demoPhoto(4));
  for (const f of await facesOf(4)) {
    const inWorker = (await engine.analyseFace(img, f.box, { liveness: 'always', embed: 'never' })).liveness!;
    const inProcess = await engine.livenessScorer.score(img, f.box);
    assert.ok(Math.abs(inWorker.live - inProcess.live) < 0.02, `${inWorker.live} vs ${inProcess.live}`);
  }
  if (engine !== shared) await engine.close();
});

test('liveness crops cut from the detector\'s shrunk copy match crops from the full photo', async () => {
  const engine = await sharedEngine();
  const spec = engine.livenessScorer.spec;
  const img = await decodeImage(await demoPhoto(2));
  const boxes = await engine.detect(img);
  const reduced = engine.detector.reducedCopy(img);
  assert.ok(reduced && reduced.img.width < img.width && Math.abs(reduced.sx - reduced.img.width / img.width) < 1e-12);
  let compared = 0;
  for (const box of boxes) {
    const fromReduced = await livenessCrops(img, box, spec, reduced);
    const fromFull = await livenessCrops(img, box, spec);
    for (let k = 0; k < fromFull.length; k++) {
      let sum = 0;
      for (let i = 0; i < fromFull[k]!.data.length; i++) sum += Math.abs(fromFull[k]!.data[i]! - fromReduced[k]!.data[i]!);
      const mean = sum / fromFull[k]!.data.length;
      assert.ok(mean < 4, `face ${compared}, scale ${spec.cropScales[k]}: mean difference ${mean.toFixed(2)}`);
    }
    compared++;
  }
  assert.ok(compared >= 3);
  // An image no larger than the detector input needs no shrunk copy.
  const small = cropResize(img, { x: 0, y: 0, width: img.width, height: img.height }, 300, 200);
  await engine.detect(small);
  assert.is(engine.detector.reducedCopy(small), undefined);
});

test('a dark copy of a real face is rejected as too dark', async () => {
  const engine = await sharedEngine();
  const f = byX(await facesOf(3))[0]!;
  const dark = await cropAround(await demoPhoto(3), f.box, { scale: 2.5, brightness: 0.2 });
  const [g] = await engine.analyseImage(await decodeImage(dark), { minScore: 0.5 });
  assert.ok(g, 'still detected');
  assert.is(g!.quality.reason, 'too_dark');
  assert.is(g!.embedding, undefined); // nothing computed for a rejected face
});

test('another model set plugs in through a JSON manifest', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'limen-manifest-'));
  try {
    const custom = structuredClone(FACEPLUGIN_SET);
    custom.models.liveness.cropScales = [2.7];
    const path = join(dir, 'custom.json');
    await writeFile(path, JSON.stringify(custom));
    const engine = await FaceEngine.create({ modelSet: path, download: false, intraOpThreads: 1 });
    const f = byX(await facesOf(3))[0]!;
    const img = await decodeImage(await demoPhoto(3));
    const a = await engine.analyseFace(img, f.box, { liveness: 'always', embed: 'always' });
    assert.is(a.liveness!.perScale.length, 1);
    assert.ok(cosine(a.embedding!, f.embedding!) > 0.999);
    await engine.close();
    await engine.close(); // idempotent
    try {
      await engine.detect(img);
      assert.unreachable('closed engine must refuse');
    } catch (err) {
      assert.is((err as VisionError).code, 'CLOSED');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.after(closeSharedEngine);
test.run();
