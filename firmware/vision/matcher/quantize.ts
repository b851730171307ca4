import { HALF_TO_FLOAT } from './float16.js';
import type { Rows } from './row-codec.js';

/**
 * Int8 quantisation for the candidate scan. Gallery rows share one scale per
 * segment (chosen from the segment's largest magnitude, so nothing is clipped);
 * the query gets its own scale. An integer dot product divided by both scales
 * approximates the float cosine, which makes scores from different segments
 * comparable when their candidates are merged. The float re-rank then replaces
 * the int8 scores of everything the matcher returns.
 */

export interface QuantisedQuery {
  /** `round(q * scale) + 128`, the zero point MatMulInteger subtracts. */
  data: Uint8Array;
  scale: number;
}

export const QUERY_ZERO_POINT = 128;

function maxAbs(values: Float32Array, length: number): number {
  let max = 0;
  for (let i = 0; i < length; i++) {
    const a = Math.abs(values[i]!);
    if (a > max) max = a;
  }
  return max;
}

/**
 * `round(x * scale) + 128` into bytes. Adding 128.5 keeps the argument positive
 * (|x * scale| <= 127), so the truncating store rounds; it is several times
 * faster than Math.round, which matters for millions of values.
 */
function offsetBytes(values: Float32Array, length: number, scale: number, out: Uint8Array): void {
  for (let i = 0; i < length; i++) out[i] = values[i]! * scale + 128.5;
}

export function quantiseQuery(q: Float32Array): QuantisedQuery {
  const m = maxAbs(q, q.length);
  const scale = m > 0 ? 127 / m : 1;
  const data = new Uint8Array(q.length);
  offsetBytes(q, q.length, scale, data);
  return { data, scale };
}

/** The gallery scale for a block of stored rows: 127 / their largest magnitude (1 when all are zero). */
export function rowsScale(rows: Rows, values: number): number {
  let m: number;
  if (rows instanceof Uint16Array) {
    // Without the sign bit, float16 bit patterns order like their magnitudes.
    let bits = 0;
    for (let i = 0; i < values; i++) {
      const h = rows[i]! & 0x7fff;
      if (h > bits) bits = h;
    }
    m = HALF_TO_FLOAT[bits]!;
  } else {
    m = maxAbs(rows, values);
  }
  return m > 0 ? 127 / m : 1;
}

/**
 * Quantises rows `0..count-1` to int8 `round(x * scale)` and writes them
 * transposed, `[dim, count]`, as two's complement bytes into `out`: the layout
 * MatMulInteger takes as its right operand, so onnxruntime need not transpose
 * (a Transpose node there left ~12 MB of freed heap behind per 16k-row segment).
 * Rows are read in order; the writes of one row land on `dim` cache lines that
 * the next rows write next to, so the strided stores stay cheap.
 */
export function quantiseTransposed(rows: Rows, count: number, dim: number, scale: number, out: Uint8Array): void {
  if (out.length < count * dim) throw new TypeError('quantiseTransposed: output too small');
  // (x·scale + 128.5) | 0 is round(x·scale) + 128 (the sum stays positive, so
  // truncation rounds); XOR 0x80 turns that offset binary into two's complement.
  if (rows instanceof Uint16Array) {
    const t = HALF_TO_FLOAT;
    for (let r = 0; r < count; r++) {
      const base = r * dim;
      for (let j = 0; j < dim; j++) out[j * count + r] = ((t[rows[base + j]!]! * scale + 128.5) | 0) ^ 0x80;
    }
  } else {
    for (let r = 0; r < count; r++) {
      const base = r * dim;
      for (let j = 0; j < dim; j++) out[j * count + r] = ((rows[base + j]! * scale + 128.5) | 0) ^ 0x80;
    }
  }
}
