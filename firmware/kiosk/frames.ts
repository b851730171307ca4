// JPEG in (the page's webcam) and JPEG out (the preview), through sharp.
import sharp from 'sharp';
import type { Frame } from '../../hal/camera.js';
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

/** A small JPEG of a camera frame for the preview. Null for formats the preview does not draw. */
export async function previewJpeg(frame: Frame, maxWidth: number): Promise<Buffer | null> {
  const channels = frame.format === 'gray8' ? 1 : frame.format === 'rgb24' || frame.format === 'bgr24' ? 3 : 0;
  if (channels === 0) return null;
  let image = sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels } });
  if (frame.format === 'bgr24') image = image.recomb([[0, 0, 1], [0, 1, 0], [1, 0, 0]]);
  return image.resize({ width: Math.min(maxWidth, frame.width) }).jpeg({ quality: 60 }).toBuffer();
}
