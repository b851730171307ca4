// Crop-and-resize in libvips (sharp): SIMD code on libuv's thread pool, so the big
// shrinks of a frame (the detector's input, liveness crops at 4× the face) cost the JS
// thread nothing and run beside inference. Measured 2–3.5× faster than the plain-JS
// area filter in resample.ts on 1–1.5 Mpx photos; the JS filter stays for VGA frames and
// smaller work (landmark crops, the alignment warp) where a thread hop costs as much as it saves.
import sharp from 'sharp';
import type { RgbImage } from './image.js';
import { cropResize, type Rect } from './resample.js';

/** Integer pixel bounds of `rect`, clipped to the image (at least 1×1). */
export function pixelBounds(rect: Rect, width: number, height: number): { left: number; top: number; width: number; height: number } {
  const left = Math.min(Math.max(0, Math.round(rect.x)), width - 1);
  const top = Math.min(Math.max(0, Math.round(rect.y)), height - 1);
  const right = Math.max(left + 1, Math.min(width, Math.round(rect.x + rect.width)));
  const bottom = Math.max(top + 1, Math.min(height, Math.round(rect.y + rect.height)));
  return { left, top, width: right - left, height: bottom - top };
}

/**
 * Below this many source pixels the JS filter is used: up to a VGA frame (307k px) it
 * keeps pace with libvips once the pipeline set-up and thread hops are counted, and it
 * leaves the thread pool to inference (bench:vision frame-to-decision, measured both ways).
 */
export const NATIVE_MIN_PIXELS = 350_000;

/**
 * `rect` of `img` (rounded to whole pixels and clipped to the image, as Silent-Face crops)
 * resized to outW×outH, aspect not kept; small regions go through the JS filter instead. Shrinking is anti-aliased: libvips box-shrinks by
 * the integer part of the factor, then reduces with a triangle kernel.
 */
export async function cropResizeNative(img: RgbImage, rect: Rect, outW: number, outH: number): Promise<RgbImage> {
  if (!(outW > 0 && outH > 0)) throw new TypeError('cropResizeNative: empty output');
  const input = Buffer.from(img.data.buffer, img.data.byteOffset, img.width * img.height * 3);
  let pipeline = sharp(input, { raw: { width: img.width, height: img.height, channels: 3 } });
  const b = pixelBounds(rect, img.width, img.height);
  if (b.width * b.height < NATIVE_MIN_PIXELS) return cropResize(img, { x: b.left, y: b.top, width: b.width, height: b.height }, outW, outH);
  if (b.left !== 0 || b.top !== 0 || b.width !== img.width || b.height !== img.height) pipeline = pipeline.extract(b);
  const data = await pipeline.resize(outW, outH, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  return { width: outW, height: outH, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
