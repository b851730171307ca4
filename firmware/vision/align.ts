// Face alignment: 68 landmarks → 5 points → least-squares similarity (Umeyama) onto the
// ArcFace 112×112 template → anti-aliased warp.
import type { RgbImage } from './image.js';
import { warpAffine, type Affine } from './resample.js';

export type Point = readonly [number, number];

/**
 * The ArcFace (insightface) 5-point template for 112×112 crops: image-left eye,
 * image-right eye, nose tip, image-left mouth corner, image-right mouth corner.
 */
export const ARCFACE_TEMPLATE_112: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

function mean(points: ArrayLike<number>, from: number, to: number): Point {
  let x = 0;
  let y = 0;
  for (let i = from; i <= to; i++) {
    x += points[2 * i]!;
    y += points[2 * i + 1]!;
  }
  const n = to - from + 1;
  return [x / n, y / n];
}

/**
 * The 5 alignment points from iBUG-68 landmarks (x0, y0, x1, y1, … in image pixels):
 * eye centres (36–41, 42–47), nose tip (30), mouth corners (48, 54).
 */
export function landmarks68To5(points: ArrayLike<number>): Point[] {
  if (points.length < 136) throw new TypeError(`landmarks68To5: need 136 values, got ${points.length}`);
  return [
    mean(points, 36, 41),
    mean(points, 42, 47),
    [points[60]!, points[61]!],
    [points[96]!, points[97]!],
    [points[108]!, points[109]!],
  ];
}

/**
 * Least-squares similarity transform (rotation, uniform scale, translation; no
 * reflection) mapping `src` onto `dst` — Umeyama's estimate, which in 2-D has the
 * closed form a + ib = Σ conj(p)·q / Σ|p|² over the centred points.
 */
export function umeyama(src: readonly Point[], dst: readonly Point[]): Affine {
  if (src.length !== dst.length || src.length < 2) throw new TypeError('umeyama: need two equal lists of ≥ 2 points');
  const n = src.length;
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) {
    sx += src[i]![0];
    sy += src[i]![1];
    dx += dst[i]![0];
    dy += dst[i]![1];
  }
  sx /= n; sy /= n; dx /= n; dy /= n;
  let num_re = 0, num_im = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const px = src[i]![0] - sx;
    const py = src[i]![1] - sy;
    const qx = dst[i]![0] - dx;
    const qy = dst[i]![1] - dy;
    num_re += px * qx + py * qy;
    num_im += px * qy - py * qx;
    den += px * px + py * py;
  }
  if (den < 1e-12) throw new TypeError('umeyama: source points coincide');
  const a = num_re / den; // s·cosθ
  const b = num_im / den; // s·sinθ
  return [a, -b, dx - (a * sx - b * sy), b, a, dy - (b * sx + a * sy)];
}

/** Applies an affine matrix to a point. */
export function applyAffine(m: Affine, p: Point): Point {
  return [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];
}

/** Root-mean-square distance between the transformed `src` and `dst`, in output pixels. */
export function alignmentError(m: Affine, src: readonly Point[], dst: readonly Point[]): number {
  let sum = 0;
  for (let i = 0; i < src.length; i++) {
    const [x, y] = applyAffine(m, src[i]!);
    sum += (x - dst[i]![0]) ** 2 + (y - dst[i]![1]) ** 2;
  }
  return Math.sqrt(sum / src.length);
}

/** Warps the face with 5 points `points5` onto the 112×112 ArcFace template. */
export function alignFace(img: RgbImage, points5: readonly Point[], size = 112): RgbImage {
  const k = size / 112;
  const template = ARCFACE_TEMPLATE_112.map(([x, y]) => [x * k, y * k] as const);
  return warpAffine(img, umeyama(points5, template), size, size);
}
