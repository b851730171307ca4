import { test } from 'uvu';
import * as assert from 'uvu/assert';
import sharp from 'sharp';
import type { Frame } from '../../../hal/camera.js';
import { VisionError } from '../../../firmware/vision/errors.js';
import { decodeImage, frameToRgb, toGray } from '../../../firmware/vision/image.js';

const frame = (format: Frame['format'], width: number, height: number, data: Uint8Array): Frame => ({ width, height, format, data, timestamp: 0, seq: 1 });

test('rgb24 passes through, bgr24 swaps, gray8 repeats', () => {
  const rgb = Uint8Array.from([1, 2, 3, 4, 5, 6]);
  assert.is(frameToRgb(frame('rgb24', 2, 1, rgb)).data, rgb);
  assert.equal(Array.from(frameToRgb(frame('bgr24', 2, 1, rgb)).data), [3, 2, 1, 6, 5, 4]);
  assert.equal(Array.from(frameToRgb(frame('gray8', 2, 1, Uint8Array.from([9, 200]))).data), [9, 9, 9, 200, 200, 200]);
});

test('i420 converts with BT.601 limited range', () => {
  // 2×2 frame: Y plane, then one U and one V sample.
  const cases: Array<[number, number, number, [number, number, number]]> = [
    [235, 128, 128, [255, 255, 255]],
    [16, 128, 128, [0, 0, 0]],
    [81, 90, 240, [255, 0, 0]], // BT.601 red
    [145, 54, 34, [0, 255, 0]], // BT.601 green
  ];
  for (const [y, u, v, rgb] of cases) {
    const out = frameToRgb(frame('i420', 2, 2, Uint8Array.from([y, y, y, y, u, v]))).data;
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(out[c]! - rgb[c]!) <= 3, `yuv ${y},${u},${v} → ${Array.from(out.subarray(0, 3))}`);
  }
});

test('malformed frames are BAD_FRAME errors, not crashes', () => {
  const bad = (f: Frame) => {
    try {
      frameToRgb(f);
      assert.unreachable('should throw');
    } catch (err) {
      assert.instance(err, VisionError);
      assert.is((err as VisionError).code, 'BAD_FRAME');
    }
  };
  bad(frame('rgb24', 4, 4, new Uint8Array(10)));
  bad(frame('i420', 4, 4, new Uint8Array(16)));
  bad(frame('gray8', 0, 4, new Uint8Array(16)));
  bad(frame('rgb24', 1.5, 4, new Uint8Array(100)));
  bad({ ...frame('rgb24', 1, 1, new Uint8Array(3)), format: 'yuyv' as Frame['format'] });
});

test('decodeImage applies EXIF orientation and drops alpha', async () => {
  // 40×20 image, left half red; orientation 6 means "rotate 90° clockwise to view".
  const raw = new Uint8Array(40 * 20 * 3);
  for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) raw[(y * 40 + x) * 3] = 255;
  const jpeg = await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
  const img = await decodeImage(jpeg);
  assert.is(img.width, 20);
  assert.is(img.height, 40);
  // After rotating clockwise, the red (left) half is on top.
  assert.ok(img.data[(5 * 20 + 10) * 3]! > 200);
  assert.ok(img.data[(35 * 20 + 10) * 3]! < 60);
  const rgba = await sharp({ create: { width: 3, height: 2, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toBuffer();
  const dec = await decodeImage(rgba);
  assert.is(dec.data.length, 3 * 2 * 3);
  assert.is(toGray(dec).data.length, 6);
});

test('garbage input is BAD_IMAGE', async () => {
  try {
    await decodeImage(Buffer.from('not an image at all'));
    assert.unreachable('should throw');
  } catch (err) {
    assert.is((err as VisionError).code, 'BAD_IMAGE');
  }
});

test.run();
