/**
 * QR codes from camera frames, with jsQR (pure JS, no native parts). A code is
 * black on white, so only the frame's brightness matters: its luma (the Y plane of
 * a YUV frame, as is) is spread over the RGBA channels jsQR expects.
 * Returns the decoded text, or null when the frame holds no readable code.
 */
import jsqrModule from 'jsqr';
import type { Frame } from '../../hal/camera.js';
import { toLuma } from '../../hal/camera/formats.js';
import { HalError } from '../../hal/errors.js';

type JsQr = (data: Uint8ClampedArray, width: number, height: number, options?: { inversionAttempts?: 'dontInvert' | 'onlyInvert' | 'attemptBoth' | 'invertFirst' }) => { data: string } | null;
// jsqr is CommonJS with a `default` in its typings: take whichever the loader hands over.
const jsQR: JsQr = ((jsqrModule as unknown as { default?: JsQr }).default ?? jsqrModule) as unknown as JsQr;

/** The frame's luma (hal/camera/formats.ts) spread over RGBA; null for a frame that does not add up. */
function greyRgba(frame: Frame): Uint8ClampedArray | null {
  let luma: Uint8Array;
  try {
    luma = toLuma(frame).data;
  } catch (err) {
    if (err instanceof HalError) return null;
    throw err;
  }
  const out = new Uint8ClampedArray(luma.length * 4);
  for (let i = 0; i < luma.length; i++) {
    const y = luma[i]!;
    out[i * 4] = y;
    out[i * 4 + 1] = y;
    out[i * 4 + 2] = y;
    out[i * 4 + 3] = 255;
  }
  return out;
}

export function readQrFromFrame(frame: Frame): string | null {
  if (!(frame.width > 0) || !(frame.height > 0) || !Number.isInteger(frame.width) || !Number.isInteger(frame.height)) return null;
  const rgba = greyRgba(frame);
  if (!rgba) return null;
  try {
    return jsQR(rgba, frame.width, frame.height, { inversionAttempts: 'dontInvert' })?.data ?? null;
  } catch {
    return null;
  }
}
