// JPEG in (the page's webcam) and JPEG out (the preview), through sharp.
import sharp from 'sharp';
import type { Frame } from '../../hal/camera.js';
import { toRgb } from '../../hal/camera/formats.js';
import type { FrameInput } from '../../hal/sim/camera.js';
import { KioskError } from './errors.js';

/** Decodes a webcam JPEG into an RGB frame of the camera's size (cropped to fill). */
export async function jpegToFrame(jpeg: Uint8Array, width: number, height: number): Promise<FrameInput> {
  try {
    const { data, info } = await sharp(jpeg, { failOn: 'error' })
      .resize(width, height, { fit: 'cover' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, format: 'rgb24', data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (err) {
    throw new KioskError('BAD_FRAME', `webcam frame is not a readable image: ${(err as Error).message}`);
  }
}

/** A small JPEG of a camera frame for the preview, whatever its pixel format. */
export async function previewJpeg(frame: Frame, maxWidth: number): Promise<Buffer> {
  const rgb = toRgb(frame);
  return sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .resize({ width: Math.min(maxWidth, rgb.width) })
    .jpeg({ quality: 60 })
    .toBuffer();
}
