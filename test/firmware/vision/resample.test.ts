import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { composeAffine, invertAffine, resizeRegion, type Affine } from '../../../firmware/vision/resample.js';

test('halving averages 2×2 blocks', () => {
  const src = { width: 4, height: 2, data: Uint8Array.from([0, 100, 50, 50, 10, 30, 200, 200]) };
  const out = resizeRegion(src, 1, { x: 0, y: 0, width: 4, height: 2 }, 2, 1);
  // Triangle filter at ×2 spans 4 source pixels per output: weights 1/8,3/8,3/8,1/8 (edges replicated).
  const row0 = [0, 100, 50, 50];
  const row1 = [10, 30, 200, 200];
  const col = (i: number) => (row0[i]! + row1[i]!) / 2;
  const left = (1 / 8) * col(0) + (3 / 8) * col(0) + (3 / 8) * col(1) + (1 / 8) * col(2);
  assert.is(out[0], Math.round(left));
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
