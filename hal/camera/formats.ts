/**
 * Camera frame formats and their conversions, defined once: every part of the
 * firmware that reads frame bytes (face pipeline, kiosk preview, fleet snapshots,
 * QR reader) goes through here.
 *
 * Layouts (row-major, no row padding; sources that pad rows are refused elsewhere):
 * - rgb24 / bgr24: 3 bytes a pixel; rgba: 4 (alpha ignored); gray8: 1.
 * - i420: the Y plane (w×h), then U, then V, each ⌈w/2⌉×⌈h/2⌉.
 * - nv12: the Y plane, then one plane of interleaved U,V pairs, ⌈w/2⌉ pairs a row, ⌈h/2⌉ rows.
 * Odd widths and heights: the last chroma column/row covers a single pixel column/row
 * (the ⌈w/2⌉ rounding of ffmpeg's yuv420p/nv12 and libcamera).
 *
 * YUV is read as limited range (Y 16–235, U/V 16–240) with the frame's matrix: BT.601
 * by default, what rpicam-vid emits below 1280×720 (libcamera "SMPTE 170M") and
 * ffmpeg's swscale writes by default; BT.709 when the frame says so (rpicam-vid from
 * 1280×720 up, libcamera "Rec709").
 */
import type { Frame, YuvMatrix } from '../camera.js';
import { HalError } from '../errors.js';

export const PIXEL_FORMATS = ['rgb24', 'bgr24', 'rgba', 'gray8', 'i420', 'nv12'] as const;
export type PixelFormat = (typeof PIXEL_FORMATS)[number];

/** Packed 8-bit RGB, row-major, 3 bytes per pixel, no padding. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** 8-bit single channel, row-major, no padding. */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Pixels beyond this are refused: no camera delivers them, and the buffers would be huge. */
const MAX_PIXELS = 64e6;

/** Formats with chroma at half resolution in both directions. */
export function isYuv420(format: PixelFormat): format is 'i420' | 'nv12' {
  return format === 'i420' || format === 'nv12';
}

function knownFormat(format: unknown): format is PixelFormat {
  return (PIXEL_FORMATS as readonly unknown[]).includes(format);
}

/** Bytes one frame of this size and format occupies. Throws TypeError for impossible sizes or formats. */
export function frameByteLength(width: number, height: number, format: PixelFormat): number {
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new TypeError(`frame size must be positive integers, got ${width}x${height}`);
  }
  const n = width * height;
  switch (format) {
    case 'rgb24':
    case 'bgr24':
      return n * 3;
    case 'rgba':
      return n * 4;
    case 'gray8':
      return n;
    case 'i420':
    case 'nv12':
      return n + 2 * ((width + 1) >> 1) * ((height + 1) >> 1);
    default:
      throw new TypeError(`unknown pixel format ${String(format)}`);
  }
}

/** Checks a frame from outside (a camera, a test, the panel) before its bytes are read. */
function checked(frame: Frame): number {
  const { width, height, format, data } = frame;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0) || width * height > MAX_PIXELS) {
    throw new HalError('BAD_FRAME', `bad frame size ${width}×${height}`);
  }
  if (!knownFormat(format)) throw new HalError('BAD_FRAME', `unsupported pixel format ${String(format)}`);
  if (frame.yuvMatrix !== undefined && !Object.hasOwn(YUV_COEFFICIENTS, frame.yuvMatrix)) {
    throw new HalError('BAD_FRAME', `unknown YUV matrix ${String(frame.yuvMatrix)}`);
  }
  const expected = frameByteLength(width, height, format);
  if (!(data instanceof Uint8Array) || data.length < expected) {
    throw new HalError('BAD_FRAME', `${format} frame ${width}×${height} needs ${expected} bytes, got ${data?.length ?? 'none'}`);
  }
  return expected;
}

/** Chroma-to-RGB coefficients of a limited-range matrix: R += rv·V, G -= gu·U + gv·V, B += bu·U. */
const YUV_COEFFICIENTS: Record<YuvMatrix, { rv: number; gu: number; gv: number; bu: number }> = {
  bt601: { rv: 1.596, gu: 0.392, gv: 0.813, bu: 2.017 },
  bt709: { rv: 1.793, gu: 0.213, gv: 0.533, bu: 2.112 },
};

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/**
 * 4:2:0 YUV to RGB. The chroma sample for chroma column cx of chroma row cy sits at
 * `uOff + cy * rowStride + cx * step` (V likewise from vOff), which is all that
 * differs between I420 (two planes) and NV12 (one interleaved plane).
 */
function yuv420ToRgb(frame: Frame, uOff: number, vOff: number, rowStride: number, step: number): RgbImage {
  const { width, height, data: src } = frame;
  const k = YUV_COEFFICIENTS[frame.yuvMatrix ?? 'bt601'];
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const crow = (y >> 1) * rowStride;
    // One chroma sample serves two pixels of the row: its terms are worked out once.
    for (let x = 0, ci = crow; x < width; x += 2, ci += step) {
      const u = src[uOff + ci]! - 128;
      const v = src[vOff + ci]! - 128;
      const rv = k.rv * v;
      const gu = k.gu * u;
      const gv = k.gv * v;
      const bu = k.bu * u;
      const end = Math.min(x + 2, width);
      for (let px = x; px < end; px++) {
        const c = 1.164 * (src[y * width + px]! - 16);
        const o = (y * width + px) * 3;
        out[o] = clamp8(c + rv);
        out[o + 1] = clamp8(c - gu - gv);
        out[o + 2] = clamp8(c + bu);
      }
    }
  }
  return { width, height, data: out };
}

/**
 * A frame as packed RGB. rgb24 is used without copying; the rest are converted
 * (YUV limited range, with the frame's matrix). Throws HalError BAD_FRAME when the size, format
 * or data length do not add up.
 */
export function toRgb(frame: Frame): RgbImage {
  const expected = checked(frame);
  const { width, height, data: src } = frame;
  const n = width * height;
  switch (frame.format) {
    case 'rgb24':
      return { width, height, data: src.length === expected ? src : src.subarray(0, expected) };
    case 'bgr24': {
      const out = new Uint8Array(n * 3);
      for (let i = 0; i < n * 3; i += 3) {
        out[i] = src[i + 2]!;
        out[i + 1] = src[i + 1]!;
        out[i + 2] = src[i]!;
      }
      return { width, height, data: out };
    }
    case 'rgba': {
      const out = new Uint8Array(n * 3);
      for (let i = 0, j = 0; i < n; i++, j += 4) {
        out[i * 3] = src[j]!;
        out[i * 3 + 1] = src[j + 1]!;
        out[i * 3 + 2] = src[j + 2]!;
      }
      return { width, height, data: out };
    }
    case 'gray8': {
      const out = new Uint8Array(n * 3);
      for (let i = 0, j = 0; i < n; i++, j += 3) out[j] = out[j + 1] = out[j + 2] = src[i]!;
      return { width, height, data: out };
    }
    case 'i420': {
      const cw = (width + 1) >> 1;
      return yuv420ToRgb(frame, n, n + cw * ((height + 1) >> 1), cw, 1);
    }
    case 'nv12':
      return yuv420ToRgb(frame, n, n + 1, 2 * ((width + 1) >> 1), 2);
  }
}

/** BT.601 luma of packed pixels `step` bytes apart, with red at `r` and blue at `b`. */
function lumaOf(src: Uint8Array, n: number, step: number, r: number, b: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += step) out[i] = (77 * src[j + r]! + 150 * src[j + 1]! + 29 * src[j + b]! + 128) >> 8;
  return out;
}

/**
 * The frame's brightness (BT.601 luma), for readers that need no colour (QR codes).
 * gray8 and the Y plane of i420/nv12 are used without copying. Throws HalError BAD_FRAME.
 */
export function toLuma(frame: Frame): GrayImage {
  checked(frame);
  const { width, height, data: src } = frame;
  const n = width * height;
  switch (frame.format) {
    case 'gray8':
    case 'i420':
    case 'nv12':
      return { width, height, data: src.length === n ? src : src.subarray(0, n) };
    case 'rgb24':
      return { width, height, data: lumaOf(src, n, 3, 0, 2) };
    case 'bgr24':
      return { width, height, data: lumaOf(src, n, 3, 2, 0) };
    case 'rgba':
      return { width, height, data: lumaOf(src, n, 4, 0, 2) };
  }
}

/** BT.601 luma of a packed RGB image. */
export function rgbToGray(img: RgbImage): GrayImage {
  return { width: img.width, height: img.height, data: lumaOf(img.data, img.width * img.height, 3, 0, 2) };
}

/**
 * Packed RGB to I420, BT.601 limited range, each chroma sample the mean of the
 * (up to four) pixels it covers. For simulated cameras and tests.
 */
export function rgbToI420(img: RgbImage): Uint8Array {
  const { width, height, data: src } = img;
  const n = width * height;
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0) || src.length < n * 3) {
    throw new TypeError(`rgbToI420: ${width}×${height} needs ${n * 3} bytes of RGB`);
  }
  const cw = (width + 1) >> 1;
  const ch = (height + 1) >> 1;
  const out = new Uint8Array(frameByteLength(width, height, 'i420'));
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    out[i] = clamp8(16 + 0.257 * src[j]! + 0.504 * src[j + 1]! + 0.098 * src[j + 2]!);
  }
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let count = 0;
      for (let y = 2 * cy; y < Math.min(2 * cy + 2, height); y++) {
        for (let x = 2 * cx; x < Math.min(2 * cx + 2, width); x++) {
          const o = (y * width + x) * 3;
          r += src[o]!;
          g += src[o + 1]!;
          b += src[o + 2]!;
          count++;
        }
      }
      r /= count;
      g /= count;
      b /= count;
      out[n + cy * cw + cx] = clamp8(128 - 0.148 * r - 0.291 * g + 0.439 * b);
      out[n + cw * ch + cy * cw + cx] = clamp8(128 + 0.439 * r - 0.368 * g - 0.071 * b);
    }
  }
  return out;
}
