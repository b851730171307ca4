import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ARCFACE_TEMPLATE_112, alignFace, applyAffine, type Point } from '../../../firmware/vision/align.js';
import type { Box } from '../../../firmware/vision/box.js';
import type { RgbImage } from '../../../firmware/vision/image.js';
import { QUALITY_MESSAGES, assessQuality, faceRegionExposure, poseFromPoints, sharpness, type QualityReason } from '../../../firmware/vision/quality.js';

// A synthetic "face": textured (seeded noise) disc on a background, with the 5 points at
// template positions scaled into the box. Enough for size, pose, exposure and blur checks.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

interface Scene {
  img: RgbImage;
  box: Box;
  points5: Point[];
}

function scene(o: { size?: number; faceLevel?: number; background?: number; contrast?: number; blurRadius?: number; at?: [number, number]; points?: (p: Point[]) => Point[] } = {}): Scene {
  const W = 320, H = 240;
  const size = o.size ?? 120;
  const [x0, y0] = o.at ?? [100, 60];
  const rand = rng(7);
  const level = o.faceLevel ?? 130;
  const contrast = o.contrast ?? 60;
  let data: Uint8Array = new Uint8Array(W * H * 3).fill(o.background ?? 100);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const dx = x - (x0 + size / 2), dy = y - (y0 + size / 2);
      if (dx * dx + dy * dy > (size / 2) ** 2) continue;
      // Shading across the face plus fine texture: blur removes the texture, not the shading.
      const shade = 0.8 * contrast * Math.sin((2 * Math.PI * dx) / size) * Math.cos((2 * Math.PI * dy) / size);
      const v = Math.max(0, Math.min(255, level + shade + (rand() - 0.5) * 0.6 * contrast));
      data.fill(v, (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
  }
  if (o.blurRadius) data = boxBlur(data, W, H, o.blurRadius);
  const k = size / 112;
  let points5: Point[] = ARCFACE_TEMPLATE_112.map(([x, y]) => [x0 + x * k, y0 + y * k] as const);
  if (o.points) points5 = o.points(points5);
  return { img: { width: W, height: H, data }, box: { x1: x0, y1: y0, x2: x0 + size, y2: y0 + size }, points5 };
}

function boxBlur(d: Uint8Array, W: number, H: number, r: number): Uint8Array {
  const out = new Uint8Array(d.length);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    let s = 0, n = 0;
    for (let yy = Math.max(0, y - r); yy <= Math.min(H - 1, y + r); yy++) for (let xx = Math.max(0, x - r); xx <= Math.min(W - 1, x + r); xx++) { s += d[(yy * W + xx) * 3]!; n++; }
    out.fill(Math.round(s / n), (y * W + x) * 3, (y * W + x) * 3 + 3);
  }
  return out;
}

function verdict(s: Scene): { ok: boolean; reason?: QualityReason } {
  const q = assessQuality({ ...s, aligned: alignFace(s.img, s.points5) });
  return { ok: q.ok, ...(q.reason && { reason: q.reason }) };
}

test('a well-lit, sharp, frontal, large face passes', () => {
  assert.equal(verdict(scene()), { ok: true });
});

test('pose proxies: frontal template is yaw 0, pitch ≈ 0.49, roll 0', () => {
  const p = poseFromPoints(ARCFACE_TEMPLATE_112);
  assert.ok(Math.abs(p.yaw) < 0.01 && Math.abs(p.pitch - 0.49) < 0.01 && Math.abs(p.rollDeg) < 1);
  // Rotating the whole face changes roll only.
  const r = (20 * Math.PI) / 180;
  const rotated = ARCFACE_TEMPLATE_112.map((q) => applyAffine([Math.cos(r), -Math.sin(r), 0, Math.sin(r), Math.cos(r), 0], q));
  const pr = poseFromPoints(rotated);
  assert.ok(Math.abs(pr.rollDeg - p.rollDeg - 20) < 1e-9 && Math.abs(pr.yaw - p.yaw) < 1e-9 && Math.abs(pr.pitch - p.pitch) < 1e-9);
});

test('each problem gives its reason and display message', () => {
  const cases: Array<[QualityReason, Scene]> = [
    ['too_small', scene({ size: 50 })],
    ['too_close', scene({ size: 180, at: [70, 30] })], // the 240-px frame holds only 1.33× the face
    ['partial', scene({ at: [250, 60] })],
    ['pose', scene({ points: (p) => p.map((q, i) => (i === 2 ? [q[0] + 30, q[1]] as const : q)) })], // nose far to the side: turned head
    ['pose', scene({ points: (p) => p.map((q, i) => (i === 2 ? [q[0], q[1] - 18] as const : q)) })], // nose near the eyes: head tilted back
    ['too_dark', scene({ faceLevel: 25, background: 20, contrast: 20 })],
    ['too_bright', scene({ faceLevel: 240, background: 200, contrast: 20 })],
    ['backlit', scene({ faceLevel: 30, background: 235, contrast: 20 })],
    ['blur', scene({ blurRadius: 3 })],
  ];
  for (const [reason, s] of cases) assert.equal(verdict(s), { ok: false, reason }, reason);
  assert.is(QUALITY_MESSAGES.too_small, 'come closer');
  assert.is(QUALITY_MESSAGES.too_close, 'step back');
  assert.is(QUALITY_MESSAGES.pose, 'face the camera');
  assert.is(QUALITY_MESSAGES.too_dark, 'too dark');
  assert.is(QUALITY_MESSAGES.blur, 'hold still');
  assert.ok(QUALITY_MESSAGES.backlit.includes('backlight'));
});

test('light is judged on the face: a readable face in front of a bright window, or brightly lit but not clipped, passes', () => {
  // Before the gate measured the face region, these were "step out of backlight" and "too bright".
  assert.equal(verdict(scene({ faceLevel: 60, background: 235, contrast: 30 })), { ok: true });
  assert.equal(verdict(scene({ faceLevel: 215, background: 250, contrast: 30 })), { ok: true });
  // The same bright face with a third of its skin clipped to white is washed out.
  assert.equal(verdict(scene({ faceLevel: 245, background: 250, contrast: 30 })), { ok: false, reason: 'too_bright' });
  // A dark face is "too dark" in a dark room and "backlit" in front of a bright one.
  assert.equal(verdict(scene({ faceLevel: 30, background: 40, contrast: 20 })), { ok: false, reason: 'too_dark' });
  assert.equal(verdict(scene({ faceLevel: 30, background: 200, contrast: 20 })), { ok: false, reason: 'backlit' });
});

test('face-region exposure is the median and clipped share of the aligned inner face', () => {
  const s = scene({ faceLevel: 245, contrast: 30 });
  const e = faceRegionExposure(alignFace(s.img, s.points5));
  assert.ok(e.median >= 240 && e.median <= 250, String(e.median));
  assert.ok(e.clipped > 0.1 && e.clipped < 0.9, String(e.clipped));
  const mid = faceRegionExposure(alignFace(scene().img, scene().points5));
  assert.ok(Math.abs(mid.median - 130) <= 6 && mid.clipped === 0, JSON.stringify(mid));
});

test('the liveness-context check measures frame over face and can be turned off', () => {
  const close = scene({ size: 180, at: [70, 30] });
  const q = assessQuality({ ...close, aligned: alignFace(close.img, close.points5) }, { minLivenessContext: 0 });
  assert.ok(Math.abs(q.metrics.context - 240 / 180) < 1e-9);
  assert.equal([q.ok, q.reason], [true, undefined]);
});

test('sharpness does not depend on contrast', () => {
  const hi = scene({ contrast: 80 });
  const lo = scene({ contrast: 20 });
  const a = sharpness(alignFace(hi.img, hi.points5));
  const b = sharpness(alignFace(lo.img, lo.points5));
  assert.ok(Math.abs(a - b) / a < 0.15, `${a} vs ${b}`);
  const blurred = scene({ blurRadius: 2 });
  assert.ok(sharpness(alignFace(blurred.img, blurred.points5)) < a / 2);
});

test('thresholds can be overridden', () => {
  const s = scene({ size: 70 });
  assert.is(assessQuality({ ...s, aligned: alignFace(s.img, s.points5) }).reason, 'too_small');
  assert.ok(assessQuality({ ...s, aligned: alignFace(s.img, s.points5) }, { minFaceSize: 60 }).ok);
});

test.run();
