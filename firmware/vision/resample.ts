// Anti-aliased resampling in plain JS: a separable area (box) filter when shrinking — each
// output pixel is the exact average of the source area it covers, as OpenCV INTER_AREA —
// and bilinear when enlarging; plus an affine warp that prefilters by resizing the needed
// region to about the output scale before bilinear sampling.
// Coordinates follow the OpenCV convention: pixel (i, j) has its centre at (i, j).
import type { RgbImage } from './image.js';

/** A rectangle in source pixels; may be fractional and may extend outside the image. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A 2×3 affine matrix [a, b, tx, c, d, ty] mapping (x, y) to (a·x + b·y + tx, c·x + d·y + ty). */
export type Affine = [number, number, number, number, number, number];

interface AxisTable {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  maxTaps: number;
}

/**
 * Filter taps along one axis: output i covers source [origin + i·scale, origin + (i+1)·scale).
 * Shrinking (scale > 1) weighs each source pixel by its overlap with that span; enlarging
 * uses the bilinear triangle.
 */
function axisTable(origin: number, span: number, outSize: number, srcSize: number): AxisTable {
  const scale = span / outSize;
  const area = scale > 1;
  const support = area ? scale / 2 : 1;
  const maxTaps = Math.ceil(support) * 2 + 2;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * maxTaps);
  for (let i = 0; i < outSize; i++) {
    const centre = origin + (i + 0.5) * scale; // continuous coordinate, pixel j spans [j, j+1)
    const lo = Math.floor(centre - support);
    const hi = Math.ceil(centre + support);
    let n = 0;
    let sum = 0;
    const base = i * maxTaps;
    let first = Number.NaN;
    for (let j = lo; j <= hi && n < maxTaps; j++) {
      const w = area ? Math.min(j + 1, centre + support) - Math.max(j, centre - support) : 1 - Math.abs(j + 0.5 - centre);
      if (w <= 1e-9) continue;
      if (Number.isNaN(first)) first = j;
      weights[base + (j - first)] = w;
      sum += w;
      n = j - first + 1;
    }
    if (Number.isNaN(first)) {
      first = Math.floor(centre);
      weights[base] = 1;
      sum = 1;
      n = 1;
    }
    for (let k = 0; k < n; k++) weights[base + k]! /= sum;
    start[i] = first;
    count[i] = n;
  }
  // Clamp taps to the image (edge replication) by folding out-of-range weights inward.
  for (let i = 0; i < outSize; i++) {
    const base = i * maxTaps;
    const s = start[i]!;
    const n = count[i]!;
    if (s >= 0 && s + n <= srcSize) continue;
    const folded = new Float32Array(maxTaps);
    let newStart = Math.min(Math.max(s, 0), srcSize - 1);
    const newEnd = Math.max(Math.min(s + n - 1, srcSize - 1), 0);
    newStart = Math.min(newStart, newEnd);
    for (let k = 0; k < n; k++) {
      const j = Math.min(Math.max(s + k, 0), srcSize - 1);
      folded[j - newStart]! += weights[base + k]!;
    }
    weights.set(folded.subarray(0, maxTaps), base);
    start[i] = newStart;
    count[i] = newEnd - newStart + 1;
  }
  return { start, count, weights, maxTaps };
}

/**
 * Resamples `rect` of a packed image with `channels` channels to outW×outH, anti-aliased
 * when shrinking and bilinear when enlarging. Pixels outside the image replicate the edge.
 */
export function resizeRegion(
  src: { width: number; height: number; data: Uint8Array },
  channels: number,
  rect: Rect,
  outW: number,
  outH: number,
): Uint8Array {
  if (!(outW > 0 && outH > 0 && rect.width > 0 && rect.height > 0)) throw new TypeError('resizeRegion: empty region or output');
  const xt = axisTable(rect.x, rect.width, outW, src.width);
  const yt = axisTable(rect.y, rect.height, outH, src.height);
  const rowLo = yt.start.reduce((m, v) => Math.min(m, v), Infinity);
  let rowHi = 0;
  for (let i = 0; i < outH; i++) rowHi = Math.max(rowHi, yt.start[i]! + yt.count[i]! - 1);
  const colLo = xt.start.reduce((m, v) => Math.min(m, v), Infinity);
  let colHi = 0;
  for (let i = 0; i < outW; i++) colHi = Math.max(colHi, xt.start[i]! + xt.count[i]! - 1);
  const rows = rowHi - rowLo + 1;
  const cols = colHi - colLo + 1;
  // Filter first along the axis that shrinks the work most.
  const costRowsFirst = rows * outW * xt.maxTaps + outH * outW * yt.maxTaps;
  const costColsFirst = outH * cols * yt.maxTaps + outH * outW * xt.maxTaps;
  if (costColsFirst < costRowsFirst) {
    const mid = verticalPass(src.data, src.width * channels, colLo * channels, cols * channels, yt, outH, 0, false);
    return horizontalPass(mid, cols * channels, outH, channels, xt, outW, colLo, true) as Uint8Array;
  }
  const mid = horizontalPass(src.data, src.width * channels, rows, channels, xt, outW, 0, false, rowLo) as Float32Array;
  return verticalPass(mid, outW * channels, 0, outW * channels, yt, outH, rowLo, true) as Uint8Array;
}

type Pixels = Uint8Array | Float32Array;

function toByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : (v + 0.5) | 0;
}

/**
 * Filters `rows` rows (from `rowLo`) horizontally: returns rows × outW × channels, as bytes
 * when `final`, else floats. Source columns are offset by `colLo` (the input starts there).
 */
function horizontalPass(sd: Pixels, stride: number, rows: number, channels: number, xt: AxisTable, outW: number, colLo: number, final: boolean, rowLo = 0): Pixels {
  const rowLen = outW * channels;
  const out = final ? new Uint8Array(rows * rowLen) : new Float32Array(rows * rowLen);
  const xw = xt.weights;
  for (let r = 0; r < rows; r++) {
    const srow = (r + rowLo) * stride;
    const trow = r * rowLen;
    for (let i = 0; i < outW; i++) {
      const n = xt.count[i]!;
      const wb = i * xt.maxTaps;
      let p = srow + (xt.start[i]! - colLo) * channels;
      if (channels === 3) {
        let a = 0, b = 0, c = 0;
        for (let k = 0; k < n; k++, p += 3) {
          const w = xw[wb + k]!;
          a += w * sd[p]!;
          b += w * sd[p + 1]!;
          c += w * sd[p + 2]!;
        }
        const o = trow + i * 3;
        out[o] = final ? toByte(a) : a;
        out[o + 1] = final ? toByte(b) : b;
        out[o + 2] = final ? toByte(c) : c;
      } else {
        for (let ch = 0; ch < channels; ch++) {
          let acc = 0;
          for (let k = 0, q = p + ch; k < n; k++, q += channels) acc += xw[wb + k]! * sd[q]!;
          out[trow + i * channels + ch] = final ? toByte(acc) : acc;
        }
      }
    }
  }
  return out;
}

/**
 * Filters vertically: output row o accumulates source rows yt.start[o]… (minus `rowLo`),
 * reading `len` values from offset `colOff` of each row. Returns outH × len values.
 */
function verticalPass(sd: Pixels, stride: number, colOff: number, len: number, yt: AxisTable, outH: number, rowLo: number, final: boolean): Pixels {
  const out = final ? new Uint8Array(outH * len) : new Float32Array(outH * len);
  const acc = new Float32Array(len);
  for (let o = 0; o < outH; o++) {
    const s = yt.start[o]! - rowLo;
    const n = yt.count[o]!;
    const wb = o * yt.maxTaps;
    acc.fill(0);
    for (let k = 0; k < n; k++) {
      const w = yt.weights[wb + k]!;
      const base = (s + k) * stride + colOff;
      for (let x = 0; x < len; x++) acc[x]! += w * sd[base + x]!;
    }
    const orow = o * len;
    if (final) for (let x = 0; x < len; x++) out[orow + x] = toByte(acc[x]!);
    else out.set(acc, orow);
  }
  return out;
}

/** Crops and resizes an RGB image (see resizeRegion). */
export function cropResize(img: RgbImage, rect: Rect, outW: number, outH: number): RgbImage {
  return { width: outW, height: outH, data: resizeRegion(img, 3, rect, outW, outH) };
}

export function invertAffine(m: Affine): Affine {
  const [a, b, tx, c, d, ty] = m;
  const det = a * d - b * c;
  if (Math.abs(det) < 1e-12) throw new TypeError('invertAffine: singular matrix');
  const ia = d / det;
  const ib = -b / det;
  const ic = -c / det;
  const id = a / det;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}

/**
 * Warps `img` by `m` (source → output coordinates) into an outW×outH RGB image; output
 * pixels that map outside the source are black (as ArcFace alignment expects). When the
 * warp shrinks (scale < 1), the needed source region is first resized anti-aliased to
 * about the output scale, so detail finer than an output pixel is averaged, not aliased.
 */
export function warpAffine(img: RgbImage, m: Affine, outW: number, outH: number): RgbImage {
  const scale = Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
  let src = img;
  let inv = invertAffine(m);
  if (scale < 0.9) {
    // Source region covering the output (plus a margin for the bilinear taps).
    const corners = [
      [0, 0],
      [outW - 1, 0],
      [0, outH - 1],
      [outW - 1, outH - 1],
    ].map(([x, y]) => [inv[0] * x! + inv[1] * y! + inv[2], inv[3] * x! + inv[4] * y! + inv[5]] as const);
    const x0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[0])) - 2));
    const y0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[1])) - 2));
    const x1 = Math.min(img.width, Math.ceil(Math.max(...corners.map((c) => c[0])) + 3));
    const y1 = Math.min(img.height, Math.ceil(Math.max(...corners.map((c) => c[1])) + 3));
    if (x1 - x0 >= 2 && y1 - y0 >= 2) {
      const w = Math.max(2, Math.round((x1 - x0) * scale));
      const h = Math.max(2, Math.round((y1 - y0) * scale));
      src = cropResize(img, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }, w, h);
      // Intermediate pixel u sits at source coordinate x0 + (u + 0.5)·fx − 0.5.
      const fx = (x1 - x0) / w;
      const fy = (y1 - y0) / h;
      const toSrc: Affine = [fx, 0, x0 + 0.5 * fx - 0.5, 0, fy, y0 + 0.5 * fy - 0.5];
      inv = composeAffine(invertAffine(toSrc), inv);
    }
  }
  return bilinearWarp(src, inv, outW, outH);
}

/** p ∘ q: apply q, then p. */
export function composeAffine(p: Affine, q: Affine): Affine {
  return [
    p[0] * q[0] + p[1] * q[3],
    p[0] * q[1] + p[1] * q[4],
    p[0] * q[2] + p[1] * q[5] + p[2],
    p[3] * q[0] + p[4] * q[3],
    p[3] * q[1] + p[4] * q[4],
    p[3] * q[2] + p[4] * q[5] + p[5],
  ];
}

/** Samples `src` bilinearly at inv(x, y) for each output pixel; outside is black. */
function bilinearWarp(src: RgbImage, inv: Affine, outW: number, outH: number): RgbImage {
  const out = new Uint8Array(outW * outH * 3);
  const { width: w, height: h, data: d } = src;
  const px = (x: number, y: number, c: number) => (x < 0 || y < 0 || x >= w || y >= h ? 0 : d[(y * w + x) * 3 + c]!);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const sx = inv[0] * x + inv[1] * y + inv[2];
      const sy = inv[3] * x + inv[4] * y + inv[5];
      const ix = Math.floor(sx);
      const iy = Math.floor(sy);
      if (ix < -1 || iy < -1 || ix >= w || iy >= h) continue;
      const fx = sx - ix;
      const fy = sy - iy;
      const o = (y * outW + x) * 3;
      const inside = ix >= 0 && iy >= 0 && ix + 1 < w && iy + 1 < h;
      for (let c = 0; c < 3; c++) {
        let v: number;
        if (inside) {
          const i00 = (iy * w + ix) * 3 + c;
          const top = d[i00]! + (d[i00 + 3]! - d[i00]!) * fx;
          const i10 = i00 + w * 3;
          const bot = d[i10]! + (d[i10 + 3]! - d[i10]!) * fx;
          v = top + (bot - top) * fy;
        } else {
          const top = px(ix, iy, c) * (1 - fx) + px(ix + 1, iy, c) * fx;
          const bot = px(ix, iy + 1, c) * (1 - fx) + px(ix + 1, iy + 1, c) * fx;
          v = top + (bot - top) * fy;
        }
        out[o + c] = (v + 0.5) | 0;
      }
    }
  }
  return { width: outW, height: outH, data: out };
}
