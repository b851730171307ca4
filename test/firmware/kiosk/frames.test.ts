// The kiosk preview draws every camera format: a Raspberry Pi camera's I420 frames
// (rpicam-vid) used to get no preview at all.
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Frame } from '../../../hal/camera.js';
import { previewJpeg } from '../../../firmware/kiosk/frames.js';
import { meanRgb, solidRed } from '../../hal/camera/solid-frame.js';

const [W, H] = [16, 8];

async function meanColour(jpeg: Buffer): Promise<[number, number, number]> {
  const { data } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return meanRgb(data);
}

for (const format of ['i420', 'nv12', 'rgb24', 'bgr24', 'rgba'] as const) {
  test(`a ${format} frame previews in colour`, async () => {
    const jpeg = await previewJpeg(solidRed(format, W, H), 320);
    assert.ok(jpeg, 'a preview');
    const [r, g, b] = await meanColour(jpeg);
    assert.ok(r > 220 && g < 40 && b < 40, `${format}: mean colour ${[r, g, b].map(Math.round)}`);
  });
}

test('a grey frame previews grey, and the preview is never wider than asked', async () => {
  const frame: Frame = { width: 64, height: 32, format: 'gray8', data: new Uint8Array(64 * 32).fill(100), timestamp: 0, seq: 1 };
  const jpeg = await previewJpeg(frame, 32);
  const meta = await sharp(jpeg).metadata();
  assert.is(meta.width, 32);
  const [r, g, b] = await meanColour(jpeg);
  for (const c of [r, g, b]) assert.ok(Math.abs(c - 100) < 4, `grey ${[r, g, b].map(Math.round)}`);
});

test('a frame that does not add up rejects instead of drawing garbage', async () => {
  const bad: Frame = { width: W, height: H, format: 'i420', data: new Uint8Array(10), timestamp: 0, seq: 1 };
  await previewJpeg(bad, 320).then(
    () => assert.unreachable('should reject'),
    (err: Error) => assert.match(err.message, /needs 192 bytes/),
  );
});

test.run();
