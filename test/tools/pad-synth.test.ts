import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Box } from '../../firmware/vision/box.js';
import type { RgbImage } from '../../firmware/vision/image.js';
import { backlit, cheapWebcam, dim, meanLuma, personMask, seededRandom } from '../../tools/bench/pad-synth.js';

/** A mid-grey textured scene (so noise and clipping have something to act on). */
function scene(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const rand = seededRandom(7);
  for (let i = 0; i < data.length; i++) data[i] = 100 + Math.floor(rand() * 40);
  return { width, height, data };
}

const face: Box = { x1: 120, y1: 80, x2: 200, y2: 180 };
const inFace = (x: number, y: number) => x >= face.x1 + 16 && x < face.x2 - 16 && y >= face.y1 + 20 && y < face.y2 - 15;
// The quality gate's surround: a box twice the face's size, minus the face box.
const inRing = (x: number, y: number) =>
  x >= face.x1 - 40 && x < face.x2 + 40 && y >= face.y1 - 50 && y < face.y2 + 50 && !(x >= face.x1 && x < face.x2 && y >= face.y1 && y < face.y2);
const farBackground = (x: number, y: number) => x < 30 || x >= 290;

test('backlit: face darkens, background brightens, size kept', () => {
  const img = scene(320, 240);
  const out = backlit(img, [face], { faceDarkening: 3 });
  assert.is(out.width, 320);
  assert.is(out.height, 240);
  assert.is(out.data.length, img.data.length);
  const faceBefore = meanLuma(img, inFace);
  const faceAfter = meanLuma(out, inFace);
  // ÷3 in linear light is about ÷1.65 in sRGB values at mid-grey.
  assert.ok(faceAfter < faceBefore / 1.4, `face ${faceBefore.toFixed(1)} → ${faceAfter.toFixed(1)}`);
  assert.ok(meanLuma(out, farBackground) > meanLuma(img, farBackground) + 40, 'background pushed toward saturation');
  assert.ok(meanLuma(out, inRing) > meanLuma(img, inRing), 'surround ring brighter');
});

test('backlit: stronger darkening gives a darker face; same seed, same output', () => {
  const img = scene(320, 240);
  const a = backlit(img, [face], { faceDarkening: 2.5 });
  const b = backlit(img, [face], { faceDarkening: 4 });
  assert.ok(meanLuma(b, inFace) < meanLuma(a, inFace));
  assert.equal(backlit(img, [face], { faceDarkening: 2.5 }).data, a.data);
  assert.throws(() => backlit(img, [face], { faceDarkening: 0.5 }), TypeError);
});

test('personMask: 1 on the face, 0 far away, smooth edge in between', () => {
  const m = personMask(320, 240, [face], 0.15);
  assert.is(m[130 * 320 + 160], 1);
  assert.is(m[10 * 320 + 10], 0);
  // Along a row through the head, the mask falls monotonically from the centre outwards.
  let prev = 1;
  let partial = 0;
  for (let x = 160; x < 320; x++) {
    const v = m[110 * 320 + x]!;
    assert.ok(v <= prev + 1e-6);
    if (v > 0 && v < 1) partial++;
    prev = v;
  }
  assert.ok(partial >= 5, `soft edge ${partial} px wide`);
});

test('dim: darker everywhere, size kept, exposure validated', () => {
  const img = scene(64, 48);
  const out = dim(img);
  assert.is(out.width, 64);
  assert.is(out.height, 48);
  const all = () => true;
  // ×0.3 in linear light is about ×0.58 in sRGB values at mid-grey.
  const ratio = meanLuma(out, all) / meanLuma(img, all);
  assert.ok(ratio > 0.5 && ratio < 0.66, `ratio ${ratio.toFixed(3)}`);
  assert.throws(() => dim(img, { exposure: 0 }), TypeError);
});

test('cheapWebcam: a 640×480 frame with the face boxes mapped into it', async () => {
  const img = scene(1200, 600);
  const box: Box = { x1: 700, y1: 200, x2: 820, y2: 350 };
  const out = await cheapWebcam(img, [box]);
  assert.is(out.image.width, 640);
  assert.is(out.image.height, 480);
  assert.is(out.image.data.length, 640 * 480 * 3);
  assert.is(out.upscaled, false);
  // 1200×600 → crop 800×600 about the face → ×0.8.
  const f = out.faces[0]!;
  assert.ok(Math.abs(f.x2 - f.x1 - 96) < 1e-6);
  assert.ok(f.x1 >= 0 && f.x2 <= 640 && f.y1 >= 0 && f.y2 <= 480);
  const small = await cheapWebcam(scene(320, 240), []);
  assert.is(small.upscaled, true);
  assert.is(small.image.width, 640);
});

test.run();
