import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ARCFACE_TEMPLATE_112, alignFace, alignmentError, applyAffine, landmarks68To5, umeyama, type Point } from '../../../firmware/vision/align.js';
import type { RgbImage } from '../../../firmware/vision/image.js';
import { warpAffine, type Affine } from '../../../firmware/vision/resample.js';

const close = (a: number, b: number, eps: number, msg?: string) => assert.ok(Math.abs(a - b) <= eps, `${msg ?? ''} ${a} ≉ ${b} (±${eps})`);

function similarity(scale: number, deg: number, tx: number, ty: number): Affine {
  const r = (deg * Math.PI) / 180;
  const a = scale * Math.cos(r);
  const b = scale * Math.sin(r);
  return [a, -b, tx, b, a, ty];
}

test('umeyama recovers a known similarity exactly', () => {
  const src: Point[] = [[10, 20], [80, 25], [45, 60], [20, 90], [75, 95]];
  for (const [s, deg, tx, ty] of [[1, 0, 0, 0], [1.7, 30, -12, 40], [0.35, -75, 200, 3.5], [2.5, 179, 1, 1]] as const) {
    const m = similarity(s, deg, tx, ty);
    const dst = src.map((p) => applyAffine(m, p));
    const est = umeyama(src, dst);
    for (let i = 0; i < 6; i++) close(est[i]!, m[i]!, 1e-9, `param ${i}`);
    close(alignmentError(est, src, dst), 0, 1e-9);
  }
});

test('umeyama is the least-squares fit under noise and never reflects', () => {
  const src: Point[] = [[0, 0], [10, 0], [5, 5], [1, 10], [9, 10]];
  const m = similarity(3, 10, 5, 5);
  const noise = [[0.3, -0.2], [-0.1, 0.25], [0.2, 0.1], [-0.3, -0.1], [0.1, -0.3]];
  const dst = src.map((p, i) => {
    const q = applyAffine(m, p);
    return [q[0] + noise[i]![0]!, q[1] + noise[i]![1]!] as const;
  });
  const est = umeyama(src, dst);
  const err = alignmentError(est, src, dst);
  // Any perturbation within the similarity family (a, b, tx, ty) fits worse.
  const [a, , tx, b, , ty] = est;
  assert.ok(Math.abs(est[1] + b) < 1e-12 && Math.abs(est[4] - a) < 1e-12, 'not a similarity');
  for (const [da, db, dx, dy] of [[1e-3, 0, 0, 0], [-1e-3, 0, 0, 0], [0, 1e-3, 0, 0], [0, -1e-3, 0, 0], [0, 0, 1e-2, 0], [0, 0, 0, -1e-2]]) {
    const p: Affine = [a + da!, -(b + db!), tx + dx!, b + db!, a + da!, ty + dy!];
    assert.ok(alignmentError(p, src, dst) > err);
  }
  // Mirrored points: the best similarity still has a positive determinant.
  const mirrored = src.map(([x, y]) => [-x, y] as const);
  const r = umeyama(src, mirrored);
  assert.ok(r[0] * r[4] - r[1] * r[3] >= 0);
  assert.throws(() => umeyama([[1, 1], [1, 1]], [[0, 0], [1, 1]]), TypeError);
  assert.throws(() => umeyama([[1, 1]], [[0, 0]]), TypeError);
});

test('landmarks68To5 takes eye centres, nose tip and mouth corners', () => {
  const pts = new Float32Array(136);
  for (let i = 0; i < 68; i++) {
    pts[2 * i] = i;
    pts[2 * i + 1] = 1000 + i;
  }
  const five = landmarks68To5(pts);
  assert.equal(five, [[38.5, 1038.5], [44.5, 1044.5], [30, 1030], [48, 1048], [54, 1054]]);
  assert.throws(() => landmarks68To5(new Float32Array(10)), TypeError);
});

/** A 400×400 image with a distinct colour blob at each of the given points. */
function dotsImage(points: readonly Point[], size = 400): RgbImage {
  const data = new Uint8Array(size * size * 3).fill(20);
  points.forEach(([px, py], k) => {
    for (let y = Math.round(py) - 4; y <= Math.round(py) + 4; y++) {
      for (let x = Math.round(px) - 4; x <= Math.round(px) + 4; x++) {
        const o = (y * size + x) * 3;
        data[o] = 250;
        data[o + 1] = 40 * k;
        data[o + 2] = 250 - 40 * k;
      }
    }
  });
  return { width: size, height: size, data };
}

function centroidOfColour(img: RgbImage, k: number): Point {
  let sx = 0, sy = 0, n = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const o = (y * img.width + x) * 3;
      if (img.data[o]! > 150 && Math.abs(img.data[o + 1]! - 40 * k) < 18 && Math.abs(img.data[o + 2]! - (250 - 40 * k)) < 18) {
        sx += x; sy += y; n++;
      }
    }
  }
  return [sx / n, sy / n];
}

test('alignFace puts the 5 points on the ArcFace template (rotated, scaled face)', () => {
  // The template, scaled ×2.6, rotated 25° and moved: a large rotated "face".
  const m = similarity(2.6, 25, 140, 60);
  const pts = ARCFACE_TEMPLATE_112.map((p) => applyAffine(m, p));
  const aligned = alignFace(dotsImage(pts), pts);
  assert.is(aligned.width, 112);
  assert.is(aligned.height, 112);
  ARCFACE_TEMPLATE_112.forEach(([tx, ty], k) => {
    const [x, y] = centroidOfColour(aligned, k);
    close(x, tx, 0.75, `point ${k} x`);
    close(y, ty, 0.75, `point ${k} y`);
  });
});

test('a shrinking warp is anti-aliased: a fine checkerboard averages to grey', () => {
  const size = 448;
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data.fill((x + y) % 2 ? 255 : 0, (y * size + x) * 3, (y * size + x) * 3 + 3);
  const out = warpAffine({ width: size, height: size, data }, [0.25, 0, 0, 0, 0.25, 0], 112, 112);
  let min = 255, max = 0;
  for (let y = 4; y < 108; y++) for (let x = 4; x < 108; x++) {
    const v = out.data[(y * 112 + x) * 3]!;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.ok(min >= 110 && max <= 145, `expected flat grey, got ${min}..${max}`);
});

test('warpAffine: identity keeps the image, outside maps to black', () => {
  const img = dotsImage([[50, 50]], 100);
  const same = warpAffine(img, [1, 0, 0, 0, 1, 0], 100, 100);
  assert.equal(Array.from(same.data), Array.from(img.data));
  const shifted = warpAffine(img, [1, 0, 30, 0, 1, 0], 100, 100);
  assert.is(shifted.data[(50 * 100 + 10) * 3], 0); // x=10 came from x=-20
  assert.is(shifted.data[(50 * 100 + 80) * 3], 250); // the dot moved to x=80
});

test.run();
