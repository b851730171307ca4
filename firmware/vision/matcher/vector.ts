import { MatcherError } from './errors.js';

/**
 * Validates `v` and returns 1 / its length. Throws MatcherError
 * DIMENSION_MISMATCH when its length is not `dim`, and BAD_VECTOR when it holds
 * a non-finite value or is all zeros (such a vector has no direction to compare).
 */
export function inverseNorm(v: ArrayLike<number>, dim: number, what: string): number {
  if (v === null || typeof v !== 'object' || typeof v.length !== 'number') {
    throw new MatcherError('BAD_VECTOR', `${what} must be a Float32Array or an array of numbers`);
  }
  if (v.length !== dim) throw new MatcherError('DIMENSION_MISMATCH', `${what} has ${v.length} values, the gallery uses ${dim}`);
  let sum = 0;
  for (let i = 0; i < dim; i++) sum += v[i]! * v[i]!;
  // NaN or ±Infinity anywhere makes the sum non-finite (as do values beyond ±1e154).
  if (!Number.isFinite(sum)) throw new MatcherError('BAD_VECTOR', `${what} holds a non-finite or huge value`);
  if (!(sum > 0)) throw new MatcherError('BAD_VECTOR', `${what} is all zeros`);
  return 1 / Math.sqrt(sum);
}

/** Returns a unit-length copy of `v` (errors as {@link inverseNorm}). */
export function normalised(v: ArrayLike<number>, dim: number, what: string): Float32Array {
  const inv = inverseNorm(v, dim, what);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) out[i] = v[i]! * inv;
  return out;
}

/** Dot product of `q` with row `row` of a row-major matrix of `dim` columns. */
export function dotRow(q: Float32Array, rows: Float32Array, row: number, dim: number): number {
  const base = row * dim;
  // Four accumulators let the JIT overlap the multiplies; the result matches a
  // plain loop to float rounding, which is what "exact" means here.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < dim; j += 4) {
    s0 += q[j]! * rows[base + j]!;
    s1 += q[j + 1]! * rows[base + j + 1]!;
    s2 += q[j + 2]! * rows[base + j + 2]!;
    s3 += q[j + 3]! * rows[base + j + 3]!;
  }
  for (; j < dim; j++) s0 += q[j]! * rows[base + j]!;
  return s0 + s1 + s2 + s3;
}
