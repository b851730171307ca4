// A photo from a phone or a webcam, made small enough for the wire: the terminal's
// detector and embedding work on a face of a few hundred pixels, while a phone photo is
// 12 MP and several MB, far over the protocol's photo limit.
import sharp from 'sharp';
import { protocol } from '@limen/sdk';
import { SiteError } from '../errors.js';

/** Longest side of the photo sent to terminals, px: a face in it stays well above what the detector needs. */
export const ENROL_PHOTO_MAX_SIDE = 1024;
/** Tried in order until the JPEG fits protocol.LIMITS.maxPhotoBytes: [longest side, quality]. */
const STEPS: ReadonlyArray<readonly [number, number]> = [
  [ENROL_PHOTO_MAX_SIDE, 85],
  [ENROL_PHOTO_MAX_SIDE, 70],
  [800, 70],
  [640, 65],
];
/** Refuses images that would take hundreds of MB to decode (a 100 MP photo is still accepted). */
const MAX_INPUT_PIXELS = 100_000_000;
export const UNREADABLE = 'The photo could not be read. Choose a JPEG, PNG or WebP picture.';

export interface EnrolPhoto {
  mime: 'image/jpeg';
  /** Base64. */
  data: string;
  width: number;
  height: number;
}

/**
 * The photo as terminals get it: upright (EXIF orientation applied, then dropped with
 * the rest of the metadata), its longest side at most ENROL_PHOTO_MAX_SIDE, JPEG within
 * the protocol's photo limit. Throws SiteError INVALID (not an image we can read, or
 * too large even when shrunk), with a message for the person at the console.
 */
export async function enrolPhoto(input: Buffer): Promise<EnrolPhoto> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  } catch {
    throw new SiteError('INVALID', UNREADABLE);
  }
  if ((meta.width ?? 0) * (meta.height ?? 0) > MAX_INPUT_PIXELS) {
    throw new SiteError('INVALID', 'The photo has too many pixels to process. Choose a smaller picture.');
  }
  const out = await shrinkToJpeg(input, STEPS, protocol.LIMITS.maxPhotoBytes);
  if (out) return { mime: 'image/jpeg', data: out.jpeg.toString('base64'), width: out.width, height: out.height };
  throw new SiteError('INVALID', 'The photo is still too large after shrinking it. Try another picture, for example a webcam photo.');
}

/**
 * The photo upright (EXIF orientation applied, then dropped with the rest of the
 * metadata) as the first JPEG of `steps` ([longest side, quality], never enlarged) that
 * weighs at most `maxBytes`; null when none does. Throws SiteError INVALID (UNREADABLE,
 * about `field`) for what cannot be decoded.
 */
export async function shrinkToJpeg(
  input: Buffer,
  steps: ReadonlyArray<readonly [number, number]>,
  maxBytes: number,
  field?: string,
): Promise<{ jpeg: Buffer; width: number; height: number } | null> {
  for (const [side, quality] of steps) {
    let out: { data: Buffer; info: sharp.OutputInfo };
    try {
      out = await sharp(input, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS })
        .rotate()
        .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
        .jpeg({ quality, mozjpeg: true })
        .toBuffer({ resolveWithObject: true });
    } catch {
      throw new SiteError('INVALID', UNREADABLE, field);
    }
    if (out.data.length <= maxBytes) return { jpeg: out.data, width: out.info.width, height: out.info.height };
  }
  return null;
}
