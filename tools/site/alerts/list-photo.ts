// A list member's reference photo, made small: the pop-up shows it beside the alert's
// snapshot, so a thumbnail is all it needs, and a small picture is a small thing to keep.
import sharp from 'sharp';
import { SiteError } from '../errors.js';
import { UNREADABLE } from '../console/photo.js';

/** The most a kept reference photo may weigh (JPEG). */
export const LIST_PHOTO_MAX_BYTES = 24 * 1024;
/** Tried in order until the JPEG fits: [longest side, quality]. */
const STEPS: ReadonlyArray<readonly [number, number]> = [
  [320, 80],
  [320, 65],
  [240, 65],
  [180, 60],
  [128, 55],
];
/** Refuses images that would take hundreds of MB to decode. */
const MAX_INPUT_PIXELS = 100_000_000;

/** The photo upright, its longest side at most 320 px, as a JPEG of at most LIST_PHOTO_MAX_BYTES, metadata dropped. */
export async function listPhotoJpeg(input: Buffer): Promise<{ jpeg: Buffer; width: number; height: number }> {
  for (const [side, quality] of STEPS) {
    let out: { data: Buffer; info: sharp.OutputInfo };
    try {
      out = await sharp(input, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS })
        .rotate()
        .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
        .jpeg({ quality, mozjpeg: true })
        .toBuffer({ resolveWithObject: true });
    } catch {
      throw new SiteError('INVALID', UNREADABLE, 'photo');
    }
    if (out.data.length <= LIST_PHOTO_MAX_BYTES) return { jpeg: out.data, width: out.info.width, height: out.info.height };
  }
  throw new SiteError('INVALID', 'The photo is still too large after shrinking it. Try another picture.', 'photo');
}
