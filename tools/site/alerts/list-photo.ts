// A list member's reference photo, made small: the pop-up shows it beside the alert's
// snapshot, so a thumbnail is all it needs, and a small picture is a small thing to keep.
import { SiteError } from '../errors.js';
import { shrinkToJpeg } from '../console/photo.js';

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

/** The photo upright, its longest side at most 320 px, as a JPEG of at most LIST_PHOTO_MAX_BYTES, metadata dropped. */
export async function listPhotoJpeg(input: Buffer): Promise<{ jpeg: Buffer; width: number; height: number }> {
  const out = await shrinkToJpeg(input, STEPS, LIST_PHOTO_MAX_BYTES, 'photo');
  if (out) return out;
  throw new SiteError('INVALID', 'The photo is still too large after shrinking it. Try another picture.', 'photo');
}
