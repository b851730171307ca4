/**
 * Int8 quantisation for the candidate scan. Gallery rows share one scale per
 * segment (chosen from the segment's largest magnitude, so nothing is clipped);
 * the query gets its own scale. An integer dot product divided by both scales
 * approximates the float cosine, which makes scores from different segments
 * comparable when their candidates are merged. The exact float re-rank then
 * removes the quantisation error from everything the matcher returns.
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

export interface QuantisedRows {
  /** Row-major int8, `round(x * scale)`. */
  data: Int8Array;
  scale: number;
}

/** Quantises rows `0..count-1` of a row-major float matrix to int8. */
export function quantiseRows(rows: Float32Array, count: number, dim: number): QuantisedRows {
  const n = count * dim;
  const m = maxAbs(rows, n);
  const scale = m > 0 ? 127 / m : 1;
  const bytes = new Uint8Array(n + ((4 - (n % 4)) % 4));
  offsetBytes(rows, n, scale, bytes);
  // Offset binary to two's complement: flip the top bit of every byte, four at a time.
  const words = new Uint32Array(bytes.buffer);
  for (let i = 0; i < words.length; i++) words[i]! ^= 0x80808080;
  return { data: new Int8Array(bytes.buffer, 0, n), scale };
}
