import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cropResizeNative, NATIVE_MIN_PIXELS, pixelBounds } from '../../../firmware/vision/native-resize.js';
import { cropResize } from '../../../firmware/vision/resample.js';
import type { RgbImage } from '../../../firmware/vision/image.js';

/** A smooth diagonal gradient: any anti-aliased resize of it is close to any other. */
function gradient(w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      data[o] = Math.round((255 * x) / (w - 1));
      data[o + 1] = Math.round((255 * y) / (h - 1));
      data[o + 2] = Math.round((255 * (x + y)) / (w + h - 2));
    }
  return { width: w, height: h, data };
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('pixelBounds rounds to whole pixels and clips to the image', () => {
  assert.equal(pixelBounds({ x: -3.2, y: 10.6, width: 50.4, height: 20 }, 40, 100), { left: 0, top: 11, width: 40, height: 20 });
  assert.equal(pixelBounds({ x: 99, y: 99, width: 10, height: 10 }, 50, 50), { left: 49, top: 49, width: 1, height: 1 });
});

test('a large region shrinks in libvips close to the JS area filter', async () => {
  const img = gradient(1200, 900);
  const rect = { x: 100, y: 50, width: 960, height: 800 };
  assert.ok(rect.width * rect.height >= NATIVE_MIN_PIXELS);
  const native = await cropResizeNative(img, rect, 128, 128);
  const js = cropResize(img, rect, 128, 128);
  assert.is(native.data.length, 128 * 128 * 3);
  assert.ok(maxDiff(native.data, js.data) <= 3, `max difference ${maxDiff(native.data, js.data)}`);
});

test('a small region goes through the JS filter, on whole-pixel bounds', async () => {
  const img = gradient(300, 300);
  const rect = { x: 20.4, y: 30.6, width: 100.2, height: 99.7 };
  const out = await cropResizeNative(img, rect, 64, 64);
  const b = pixelBounds(rect, img.width, img.height);
  const js = cropResize(img, { x: b.left, y: b.top, width: b.width, height: b.height }, 64, 64);
  assert.equal(out.data, js.data);
});

test('the source image is not modified and a zero-size output is refused', async () => {
  const img = gradient(600, 600);
  const before = Uint8Array.from(img.data);
  await cropResizeNative(img, { x: 0, y: 0, width: 600, height: 600 }, 320, 320);
  assert.equal(img.data, before);
  const err = await cropResizeNative(img, { x: 0, y: 0, width: 10, height: 10 }, 0, 5).then(() => undefined, (e: unknown) => e);
  assert.instance(err, TypeError);
});

test.run();
