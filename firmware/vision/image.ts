// Image containers and conversions: camera frames and encoded photos become packed RGB.
import sharp from 'sharp';
import type { Frame } from '../../hal/camera.js';
import { VisionError } from './errors.js';

/** Packed 8-bit RGB, row-major, 3 bytes per pixel, no padding. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** 8-bit single-channel image, row-major, no padding. */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

function expectLength(frame: Frame, expected: number): void {
  if (frame.data.length < expected) {
    throw new VisionError('BAD_FRAME', `${frame.format} frame ${frame.width}×${frame.height} needs ${expected} bytes, got ${frame.data.length}`);
  }
}

/**
 * Converts a HAL camera frame to packed RGB. rgb24 frames are used without copying.
 * I420 is read as BT.601 limited range (what ffmpeg, GStreamer and libcamera video emit).
 * Throws VisionError BAD_FRAME when the size or length do not add up.
 */
export function frameToRgb(frame: Frame): RgbImage {
  const { width, height } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width * height > 64e6) {
    throw new VisionError('BAD_FRAME', `bad frame size ${width}×${height}`);
  }
  const n = width * height;
  const src = frame.data;
  switch (frame.format) {
    case 'rgb24':
      expectLength(frame, n * 3);
      return { width, height, data: src.length === n * 3 ? src : src.subarray(0, n * 3) };
    case 'bgr24': {
      expectLength(frame, n * 3);
      const out = new Uint8Array(n * 3);
      for (let i = 0; i < n * 3; i += 3) {
        out[i] = src[i + 2]!;
        out[i + 1] = src[i + 1]!;
        out[i + 2] = src[i]!;
      }
      return { width, height, data: out };
    }
    case 'gray8': {
      expectLength(frame, n);
      const out = new Uint8Array(n * 3);
      for (let i = 0, j = 0; i < n; i++, j += 3) out[j] = out[j + 1] = out[j + 2] = src[i]!;
      return { width, height, data: out };
    }
    case 'i420': {
      const cw = (width + 1) >> 1;
      const ch = (height + 1) >> 1;
      expectLength(frame, n + 2 * cw * ch);
      const out = new Uint8Array(n * 3);
      const uOff = n;
      const vOff = n + cw * ch;
      for (let y = 0; y < height; y++) {
        const crow = (y >> 1) * cw;
        for (let x = 0; x < width; x++) {
          const c = 1.164 * (src[y * width + x]! - 16);
          const u = src[uOff + crow + (x >> 1)]! - 128;
          const v = src[vOff + crow + (x >> 1)]! - 128;
          const o = (y * width + x) * 3;
          out[o] = clamp8(c + 1.596 * v);
          out[o + 1] = clamp8(c - 0.392 * u - 0.813 * v);
          out[o + 2] = clamp8(c + 2.017 * u);
        }
      }
      return { width, height, data: out };
    }
    default: {
      const f: never = frame.format;
      throw new VisionError('BAD_FRAME', `unsupported pixel format ${String(f)}`);
    }
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

/** BT.601 luma. */
export function toGray(img: RgbImage): GrayImage {
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  const d = img.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) out[i] = (77 * d[j]! + 150 * d[j + 1]! + 29 * d[j + 2]! + 128) >> 8;
  return { width: img.width, height: img.height, data: out };
}
