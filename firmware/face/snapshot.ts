// A face snapshot for an alert: the face with a margin around it, small, as JPEG.
import sharp from 'sharp';
import type { Frame } from '../../hal/camera.js';
import type { Box } from '../vision/box.js';
import { frameToRgb } from '../vision/image.js';

/** Margin around the detected box, as a fraction of its size on each side. */
const MARGIN = 0.3;
/** Longest side of a snapshot: enough to recognise a face by eye. */
const MAX_SIDE = 160;
const QUALITIES = [75, 60, 45, 30] as const;

/**
 * The face in `box` (frame pixels) with a margin, at most 160 px on its longest
 * side, as a JPEG of at most `maxBytes` (lower qualities are tried until it fits).
 * Null when the box lies outside the frame or no quality fits.
 */
export async function faceSnapshotJpeg(frame: Frame, box: Box, maxBytes: number): Promise<Buffer | null> {
  const img = frameToRgb(frame);
  const w = box.x2 - box.x1;
  const h = box.y2 - box.y1;
  if (!(w > 0 && h > 0)) return null;
  const left = Math.max(0, Math.floor(box.x1 - w * MARGIN));
  const top = Math.max(0, Math.floor(box.y1 - h * MARGIN));
  const right = Math.min(img.width, Math.ceil(box.x2 + w * MARGIN));
  const bottom = Math.min(img.height, Math.ceil(box.y2 + h * MARGIN));
  if (right - left < 2 || bottom - top < 2) return null;
  const crop = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .extract({ left, top, width: right - left, height: bottom - top })
    .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true });
  for (const quality of QUALITIES) {
    const jpeg = await crop.clone().jpeg({ quality }).toBuffer();
    if (jpeg.byteLength <= maxBytes) return jpeg;
  }
  return null;
}
