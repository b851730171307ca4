/**
 * IEEE 754 half precision (binary16) for the gallery's re-rank copy: half the
 * memory of float32, and a rounding error small enough to bound exactly.
 *
 * Rounding a float32 value t to half h (round to nearest, ties to even) moves it
 * by at most 2^-11·|h| when h is normal and 2^-25 when h is subnormal or zero
 * (half an ulp). So for any query q, the float16 dot product differs from the
 * float32 one by at most
 *   2^-11 · Σ|q_j·h_j| + 2^-25 · Σ|q_j|,
 * which {@link absDotRowHalf} and {@link halfErrorBound} compute for a row.
 * Measured at 100k × 512: errors up to 4e-5, bounds up to 4e-4. Node 20 has no
 * Float16Array, so values live in a Uint16Array and decode through a table.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Relative bound of the rounding error for normal halves. */
export const HALF_RELATIVE_ERROR = 2 ** -11;
/** Absolute bound of the rounding error for subnormal halves (and zero). */
export const HALF_ABSOLUTE_ERROR = 2 ** -25;

/** The float16 bits of `x` (rounded to nearest, ties to even; beyond ±65504 gives ±Infinity). */
export function toHalf(x: number): number {
  f32[0] = x;
  return halfFromFloatBits(u32[0]!);
}

/** The float16 bits of a float32 given by its bits. */
function halfFromFloatBits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 112; // rebias 127 → 15
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half: shift the mantissa (with its implicit 1) right, rounding.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa rolls into the exponent, which is the right result.
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** The value of every float16 bit pattern (256 KB), so decoding is one load. */
export const HALF_TO_FLOAT = (() => {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) table[h] = halfToNumber(h);
  return table;
})();

/**
 * Writes `source[i] · scale`, rounded to float32 and then to float16, into
 * `out[offset + i]` for i < length. Rounding through float32 first makes the
 * stored half the float16 rounding of exactly the template a float32 gallery
 * would hold, so the error bound above is against that template.
 */
export function writeHalves(source: ArrayLike<number>, length: number, scale: number, out: Uint16Array, offset: number): void {
  const f = scratchFor(length);
  const bits = new Uint32Array(f.buffer, 0, length);
  for (let i = 0; i < length; i++) f[i] = source[i]! * scale;
  for (let i = 0; i < length; i++) {
    const b = bits[i]!;
    const abs = b & 0x7fffffff;
    // Normal halves (2^-14 <= |x| < 65520), nearly every value of a unit template:
    // rebias the exponent (112 << 23) and round the 13 dropped bits to nearest
    // even in one add; a carry rolls into the exponent, as it should.
    out[offset + i] =
      abs >= 0x38800000 && abs < 0x477ff000
        ? ((b >>> 16) & 0x8000) | ((abs - 0x38000000 + 0x0fff + ((abs >>> 13) & 1)) >>> 13)
        : halfFromFloatBits(b);
  }
}

let scratch = new Float32Array(512);
function scratchFor(length: number): Float32Array {
  if (scratch.length < length) scratch = new Float32Array(length);
  return scratch;
}

/** Decodes `length` halves from `rows[offset..]` into `out` (float32). */
export function readHalves(rows: Uint16Array, offset: number, length: number, out: Float32Array): Float32Array {
  for (let i = 0; i < length; i++) out[i] = HALF_TO_FLOAT[rows[offset + i]!]!;
  return out;
}

/** Dot product of `q` with float16 row `row` of a row-major matrix of `dim` columns. */
export function dotRowHalf(q: Float32Array, rows: Uint16Array, row: number, dim: number): number {
  const t = HALF_TO_FLOAT;
  const base = row * dim;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < dim; j += 4) {
    s0 += q[j]! * t[rows[base + j]!]!;
    s1 += q[j + 1]! * t[rows[base + j + 1]!]!;
    s2 += q[j + 2]! * t[rows[base + j + 2]!]!;
    s3 += q[j + 3]! * t[rows[base + j + 3]!]!;
  }
  for (; j < dim; j++) s0 += q[j]! * t[rows[base + j]!]!;
  return s0 + s1 + s2 + s3;
}

/**
 * Σ|q_j·h_j| over float16 row `row`: with {@link halfErrorBound} it bounds how far
 * {@link dotRowHalf} can be from the float32 template's dot product.
 */
export function absDotRowHalf(q: Float32Array, rows: Uint16Array, row: number, dim: number): number {
  const t = HALF_TO_FLOAT;
  const base = row * dim;
  let s = 0;
  for (let j = 0; j < dim; j++) s += Math.abs(q[j]! * t[rows[base + j]!]!);
  return s;
}

/**
 * The largest difference between a float16 score and the float32 one, given
 * Σ|q_j·h_j| and Σ|q_j|. The small constant covers the float64 summation order.
 */
export function halfErrorBound(absDot: number, queryL1: number): number {
  return HALF_RELATIVE_ERROR * absDot + HALF_ABSOLUTE_ERROR * queryL1 + 1e-12;
}

/**
 * An upper bound of {@link halfErrorBound} for any row: for unit q and a unit
 * template, Σ|q_j·h_j| ≤ |q|·|h| ≤ 1.001 (Cauchy–Schwarz; rounding makes |h|
 * at most a hair above 1). Lets a search skip computing the bound of rows too
 * far below the best to matter.
 */
export function halfErrorBoundMax(queryL1: number): number {
  return halfErrorBound(1.001, queryL1);
}
