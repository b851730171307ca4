import type { Frame, PixelFormat } from '../../../hal/camera.js';
import { frameByteLength } from '../../../hal/camera/formats.js';

/** BT.601 limited-range red: Y 81, U 90, V 240, which reads back as RGB 254, 0, 0. */
export const RED_RGB = [254, 0, 0] as const;

/** A width × height frame of RED_RGB in `format` (width and height even). */
export function solidRed(format: PixelFormat, width: number, height: number): Frame {
  const data = new Uint8Array(frameByteLength(width, height, format));
  const n = width * height;
  const pixel: Partial<Record<PixelFormat, number[]>> = { rgb24: [254, 0, 0], bgr24: [0, 0, 254], rgba: [254, 0, 0, 255], gray8: [76] };
  if (format === 'i420') data.fill(81, 0, n).fill(90, n, n + n / 4).fill(240, n + n / 4);
  else if (format === 'nv12') for (let i = 0; i < data.length; i++) data[i] = i < n ? 81 : (i - n) % 2 ? 240 : 90;
  else for (let i = 0; i < data.length; i++) data[i] = pixel[format]![i % pixel[format]!.length]!;
  return { width, height, format, data, timestamp: 0, seq: 1 };
}

/** Mean R, G, B of a decoded image (raw RGB bytes). */
export function meanRgb(data: Uint8Array): [number, number, number] {
  let [r, g, b] = [0, 0, 0];
  for (let i = 0; i < data.length; i += 3) {
    r += data[i]!;
    g += data[i + 1]!;
    b += data[i + 2]!;
  }
  const n = data.length / 3;
  return [r / n, g / n, b / n];
}
