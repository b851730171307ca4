import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LIVENESS_THRESHOLDS, livenessCrop, livenessCrops, livenessThreshold, normaliseExposure, passesLiveness } from '../../../firmware/vision/liveness.js';
import { BUILTIN_MODEL_SETS, DEFAULT_MODEL_SET } from '../../../models/manifest.js';

test('Silent-Face crop: box scaled about its centre, shrunk and shifted to stay inside', () => {
  const box = { x1: 300, y1: 200, x2: 400, y2: 300 };
  assert.equal(livenessCrop(box, 2.7, 1000, 1000), { x: 215, y: 115, width: 270, height: 270 });
  // Near the left edge: shifted right, same size.
  const left = livenessCrop({ x1: 10, y1: 200, x2: 110, y2: 300 }, 2.7, 1000, 1000);
  assert.equal([left.x, left.width], [0, 270]);
  // Image too small for ×4: the scale drops to what fits.
  const small = livenessCrop(box, 4, 640, 330);
  assert.ok(Math.abs(small.height - 329) < 1e-9 && small.y >= 0 && small.y + small.height <= 330);
});

function flat(level: number, size = 64): { width: number; height: number; data: Uint8Array } {
  return { width: size, height: size, data: new Uint8Array(size * size * 3).fill(level) };
}

test('exposure normalisation leaves normal faces alone and lifts dark or tames bright ones', () => {
  const face = { x: 16, y: 16, width: 32, height: 32 };
  const normal = flat(128);
  assert.is(normaliseExposure(normal, face), normal);
  const dark = normaliseExposure(flat(30), face);
  assert.ok(Math.abs(dark.data[0]! - 90) <= 2, `dark → ${dark.data[0]}`);
  // Bright faces come down toward the band; the gamma is capped, so a washed-out face only partly.
  assert.ok(Math.abs(normaliseExposure(flat(190), face).data[0]! - 170) <= 2);
  const bright = normaliseExposure(flat(235), face).data[0]!;
  assert.ok(bright >= 170 && bright < 215, `bright → ${bright}`);
  // A gamma curve: black and white stay put, order is kept.
  const ramp = { width: 256, height: 1, data: Uint8Array.from({ length: 768 }, (_, i) => Math.floor(i / 3) >> 2) };
  const out = normaliseExposure(ramp, { x: 0, y: 0, width: 256, height: 1 });
  assert.is(out.data[0], 0);
  for (let i = 3; i < out.data.length; i += 3) assert.ok(out.data[i]! >= out.data[i - 3]!);
});

test('the crops the model sees are exposure-normalised; the bench can ask for raw crops to measure the correction side by side', async () => {
  const spec = BUILTIN_MODEL_SETS[DEFAULT_MODEL_SET]!.models.liveness;
  const img = flat(30, 400);
  const box = { x1: 150, y1: 150, x2: 250, y2: 250 };
  const [fixed] = await livenessCrops(img, box, spec);
  const [raw] = await livenessCrops(img, box, spec, undefined, false);
  assert.ok(Math.abs(fixed!.data[0]! - 90) <= 2 && raw!.data[0] === 30, `${fixed!.data[0]} / ${raw!.data[0]}`);
});

test('levels: thresholds rise with the level; off passes everything', () => {
  assert.ok(LIVENESS_THRESHOLDS.low < LIVENESS_THRESHOLDS.medium && LIVENESS_THRESHOLDS.medium < LIVENESS_THRESHOLDS.high);
  assert.ok(passesLiveness(0, 'off'));
  assert.ok(passesLiveness(0.5, 'medium'));
  assert.not.ok(passesLiveness(0.49, 'medium'));
  assert.throws(() => livenessThreshold('extreme' as 'low'), TypeError);
});

test.run();
