import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { composeAffine, invertAffine, resizeRegion, type Affine } from '../../../firmware/vision/resample.js';

test('halving averages 2×2 blocks; thirds average 3×3 blocks', () => {
  const src = { width: 4, height: 2, data: Uint8Array.from([0, 100, 50, 50, 10, 30, 200, 200]) };
  assert.equal(Array.from(resizeRegion(src, 1, { x: 0, y: 0, width: 4, height: 2 }, 2, 1)), [35, 125]);
  const six = { width: 6, height: 3, data: Uint8Array.from({ length: 18 }, (_, i) => (i % 6 < 3 ? 30 : 90) + (i < 6 ? 9 : 0)) };
  assert.equal(Array.from(resizeRegion(six, 1, { x: 0, y: 0, width: 6, height: 3 }, 2, 1)), [33, 93]);
  // Fractional footprint: output covers 1.5 source pixels, weights 1 and 0.5.
  const two = { width: 3, height: 1, data: Uint8Array.from([0, 90, 30]) };
  assert.equal(Array.from(resizeRegion(two, 1, { x: 0, y: 0, width: 3, height: 1 }, 2, 1)), [30, 50]);
});

test('both pass orders give the same result', () => {
  // A tall narrow region (columns-first is cheaper) and a wide flat one (rows-first).
  const w = 300, h = 300;
  const data = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 7919) % 251);
  const img = { width: w, height: h, data };
  const tall = resizeRegion(img, 3, { x: 10, y: 0, width: 40, height: 300 }, 20, 10);
  const wide = resizeRegion(img, 3, { x: 0, y: 10, width: 300, height: 40 }, 10, 20);
  // Transposing the source transposes the result: compare against a transposed run.
  const t = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) t[(x * w + y) * 3 + c] = data[(y * w + x) * 3 + c]!;
  const tallT = resizeRegion({ width: w, height: h, data: t }, 3, { x: 0, y: 10, width: 300, height: 40 }, 10, 20);
  for (let y = 0; y < 10; y++) for (let x = 0; x < 20; x++) for (let c = 0; c < 3; c++) {
    assert.ok(Math.abs(tall[(y * 20 + x) * 3 + c]! - tallT[(x * 10 + y) * 3 + c]!) <= 1);
  }
  assert.is(wide.length, 10 * 20 * 3);
});

test('a constant image stays constant at any scale, region or offset', () => {
  const src = { width: 37, height: 23, data: new Uint8Array(37 * 23 * 3).fill(77) };
  for (const [w, h] of [[5, 3], [37, 23], [100, 61]]) {
    for (const rect of [{ x: 0, y: 0, width: 37, height: 23 }, { x: -10, y: 5.5, width: 20.3, height: 40 }]) {
      const out = resizeRegion(src, 3, rect, w!, h!);
      assert.ok(out.every((v) => v === 77));
    }
  }
});

test('a region outside the image replicates the edge', () => {
  const src = { width: 2, height: 1, data: Uint8Array.from([10, 200]) };
  const out = resizeRegion(src, 1, { x: 5, y: 0, width: 2, height: 1 }, 2, 1);
  assert.equal(Array.from(out), [200, 200]);
  assert.throws(() => resizeRegion(src, 1, { x: 0, y: 0, width: 0, height: 1 }, 2, 1), TypeError);
});

test('affine inverse and composition', () => {
  const m: Affine = [1.2, -0.4, 3, 0.4, 1.2, -7];
  const id = composeAffine(invertAffine(m), m);
  [1, 0, 0, 0, 1, 0].forEach((v, i) => assert.ok(Math.abs(id[i]! - v) < 1e-12));
  assert.throws(() => invertAffine([0, 0, 0, 0, 0, 0]), TypeError);
});

test.run();
