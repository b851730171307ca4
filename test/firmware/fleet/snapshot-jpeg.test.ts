// A fleet snapshot is the camera frame in colour whatever the camera's format: an
// I420 camera (Raspberry Pi, Jetson) used to send a grey picture of its Y plane.
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { frameToJpeg } from '../../../firmware/fleet/terminal-agent.js';
import { meanRgb, solidRed } from '../../hal/camera/solid-frame.js';

for (const format of ['i420', 'nv12', 'rgb24', 'bgr24', 'rgba'] as const) {
  test(`a ${format} frame snapshots in colour`, async () => {
    const jpeg = await frameToJpeg(solidRed(format, 32, 16));
    assert.equal([jpeg.width, jpeg.height], [32, 16]);
    const [r, g, b] = meanRgb((await sharp(jpeg.data).removeAlpha().raw().toBuffer({ resolveWithObject: true })).data);
    assert.ok(r > 220 && g < 40 && b < 40, `${format}: mean colour ${[r, g, b].map(Math.round)}`);
  });
}

test('maxWidth scales the snapshot down, never up', async () => {
  assert.equal(await frameToJpeg(solidRed('i420', 32, 16), 16).then((j) => [j.width, j.height]), [16, 8]);
  assert.equal(await frameToJpeg(solidRed('i420', 32, 16), 64).then((j) => [j.width, j.height]), [32, 16]);
});

test.run();
