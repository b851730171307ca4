import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  HALF_TO_FLOAT,
  absDotRowHalf,
  dotRowHalf,
  halfErrorBound,
  halfErrorBoundMax,
  readHalves,
  toHalf,
  writeHalves,
} from '../../../../firmware/vision/matcher/float16.js';
import { quantiseTransposed, rowsScale } from '../../../../firmware/vision/matcher/quantize.js';
import { dotRow } from '../../../../firmware/vision/matcher/vector.js';
import { gaussian, jitter, randomUnit, rng } from './fixtures.js';

const f32 = (x: number) => Math.fround(x);

test('toHalf encodes known values, rounding to nearest with ties to even', () => {
  const cases: Array<[number, number]> = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff], // largest half
    [65520, 0x7c00], // rounds up to Infinity
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // halfway to the smallest subnormal: ties to even (zero)
    [3 * 2 ** -25, 0x0002], // halfway between 1 and 2 subnormal steps: to even (2)
    [1 + 2 ** -11, 0x3c00], // halfway between 1 and its successor: to even (1)
    [1 + 3 * 2 ** -11, 0x3c02], // halfway between successors 1 and 2: to even (2)
    [f32(1 + 2 ** -11 + 2 ** -20), 0x3c01], // just above halfway: up
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
  ];
  for (const [x, bits] of cases) assert.is(toHalf(x), bits, `toHalf(${x})`);
  assert.ok((toHalf(Number.NaN) & 0x7c00) === 0x7c00 && (toHalf(Number.NaN) & 0x3ff) !== 0, 'NaN stays NaN');
});

test('the decode table inverts toHalf for every finite half', () => {
  for (let h = 0; h < 0x10000; h++) {
    const v = HALF_TO_FLOAT[h]!;
    if (!Number.isFinite(v)) continue;
    if (v === 0) continue; // ±0 both decode to a zero
    assert.is(toHalf(v), h);
  }
});

test('writeHalves (fast path for normal halves) equals toHalf on any float32', () => {
  const out = new Uint16Array(1);
  fc.assert(
    fc.property(fc.float({ noNaN: true }), fc.double({ min: 0.25, max: 4, noNaN: true }), (x, scale) => {
      writeHalves([x], 1, scale, out, 0);
      assert.is(out[0], toHalf(f32(x * scale)));
    }),
    { numRuns: 5000 },
  );
  // Bit patterns across the whole float32 range, including both sides of every boundary.
  const bits = new Uint32Array(1);
  const value = new Float32Array(bits.buffer);
  for (let b = 0; b < 0x100000000; b += 0x10001) {
    bits[0] = b;
    if (Number.isNaN(value[0])) continue;
    writeHalves(value, 1, 1, out, 0);
    assert.is(out[0], toHalf(value[0]!), `bits ${b.toString(16)}`);
  }
});

test('float16 dot products stay within halfErrorBound of the float32 ones', () => {
  const dim = 512;
  const normal = gaussian(rng(1));
  const rows = new Uint16Array(dim);
  const exact = new Float32Array(dim);
  let worst = 0;
  for (let i = 0; i < 300; i++) {
    const t = randomUnit(dim, normal);
    // Queries near the template too, where products are large.
    const qf = i % 2 === 0 ? randomUnit(dim, normal) : jitter(t, 0.2, normal);
    writeHalves(t, dim, 1, rows, 0);
    exact.set(t);
    let l1 = 0;
    for (const x of qf) l1 += Math.abs(x);
    const bound = halfErrorBound(absDotRowHalf(qf, rows, 0, dim), l1);
    const err = Math.abs(dotRowHalf(qf, rows, 0, dim) - dotRow(qf, exact, 0, dim));
    assert.ok(err <= bound, `error ${err} within bound ${bound}`);
    assert.ok(bound <= halfErrorBoundMax(l1), 'the per-row bound never exceeds the cheap maximum');
    worst = Math.max(worst, err);
  }
  assert.ok(worst < 1e-4, `typical errors are far below the bound (worst ${worst})`);
  assert.equal(Array.from(readHalves(rows, 0, 4, new Float32Array(4))), Array.from(rows.subarray(0, 4), (h) => HALF_TO_FLOAT[h]!));
});

test('quantiseTransposed writes round(x * scale) as int8, column-major', () => {
  const rows = Float32Array.of(0.5, -0.25, 1, 0, -1, 0.125);
  const scale = rowsScale(rows, rows.length);
  assert.is(scale, 127);
  const out = new Uint8Array(6);
  quantiseTransposed(rows, 2, 3, scale, out);
  // Row r, column j lands at j * count + r.
  assert.equal(Array.from(new Int8Array(out.buffer)), [64, 0, -32, -127, 127, 16]);

  // Float16 rows quantise like their decoded values.
  const halves = new Uint16Array(6);
  writeHalves(rows, 6, 1, halves, 0);
  assert.is(rowsScale(halves, 6), 127);
  const fromHalves = new Uint8Array(6);
  quantiseTransposed(halves, 2, 3, 127, fromHalves);
  assert.equal(fromHalves, out);
  assert.is(rowsScale(new Float32Array(4), 4), 1, 'all-zero rows get scale 1');
});

test.run();
