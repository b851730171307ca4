// Image containers and conversions: camera frames and encoded photos become packed RGB.
import sharp from 'sharp';
import type { Frame } from '../../hal/camera.js';
import { rgbToGray, toRgb, type GrayImage, type RgbImage } from '../../hal/camera/formats.js';
import { HalError } from '../../hal/errors.js';
import { VisionError } from './errors.js';

export type { GrayImage, RgbImage };
/** BT.601 luma of an RGB image. */
export { rgbToGray as toGray };

/**
 * A HAL camera frame as packed RGB: hal/camera/formats.ts's conversion (rgb24 used
 * without copying, YUV read as BT.601 limited range). Throws VisionError BAD_FRAME
 * when the size, format or length do not add up.
 */
export function frameToRgb(frame: Frame): RgbImage {
  try {
    return toRgb(frame);
  } catch (err) {
    if (err instanceof HalError && err.code === 'BAD_FRAME') throw new VisionError('BAD_FRAME', err.message, { cause: err });
    throw err;
  }
}

/**
 * Decodes a JPEG/PNG/WebP/… photo to RGB, rotated upright by its EXIF orientation,
 * alpha dropped and colour converted to sRGB. Throws VisionError BAD_IMAGE.
 */
export async function decodeImage(input: Uint8Array, options: { maxPixels?: number } = {}): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(input, { limitInputPixels: options.maxPixels ?? 50e6 })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (err) {
    throw new VisionError('BAD_IMAGE', `cannot decode image: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Encodes RGB as JPEG (for kept enrolment photos and degraded benchmark copies). */
export async function encodeJpeg(img: RgbImage, quality = 90): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).jpeg({ quality }).toBuffer();
}
