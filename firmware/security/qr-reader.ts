/**
 * QR codes from camera frames, with jsQR (pure JS, no native parts). The frame is
 * turned into the RGBA jsQR expects; a grey frame is spread over the channels.
 * Returns the decoded text, or null when the frame holds no readable code.
 */
import jsqrModule from 'jsqr';
import type { Frame } from '../../hal/camera.js';

type JsQr = (data: Uint8ClampedArray, width: number, height: number, options?: { inversionAttempts?: 'dontInvert' | 'onlyInvert' | 'attemptBoth' | 'invertFirst' }) => { data: string } | null;
// jsqr is CommonJS with a `default` in its typings: take whichever the loader hands over.
const jsQR: JsQr = ((jsqrModule as unknown as { default?: JsQr }).default ?? jsqrModule) as unknown as JsQr;

function toRgba(frame: Frame): Uint8ClampedArray | null {
  const { width: w, height: h, data } = frame;
  const n = w * h;
  const out = new Uint8ClampedArray(n * 4);
  switch (frame.format) {
    case 'rgb24':
    case 'bgr24': {
      if (data.byteLength < n * 3) return null;
      // Channel order does not matter for a black-and-white code beyond the luma weights.
      for (let i = 0, j = 0; i < n; i++, j += 3) {
        out[i * 4] = data[j]!;
        out[i * 4 + 1] = data[j + 1]!;
        out[i * 4 + 2] = data[j + 2]!;
        out[i * 4 + 3] = 255;
      }
      return out;
    }
    case 'gray8':
    case 'i420': {
      // The first w*h bytes of I420 are the luma plane.
      if (data.byteLength < n) return null;
      for (let i = 0; i < n; i++) {
        const y = data[i]!;
        out[i * 4] = y;
        out[i * 4 + 1] = y;
        out[i * 4 + 2] = y;
        out[i * 4 + 3] = 255;
      }
      return out;
    }
    default:
      return null;
  }
}

export function readQrFromFrame(frame: Frame): string | null {
  if (!(frame.width > 0) || !(frame.height > 0) || !Number.isInteger(frame.width) || !Number.isInteger(frame.height)) return null;
  const rgba = toRgba(frame);
  if (!rgba) return null;
  try {
    return jsQR(rgba, frame.width, frame.height, { inversionAttempts: 'dontInvert' })?.data ?? null;
  } catch {
    return null;
  }
}
