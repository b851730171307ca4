// A photo from a phone or a webcam, made small enough for the wire: the terminal's
// detector and embedding work on a face of a few hundred pixels, while a phone photo is
// 12 MP and several MB, far over the protocol's photo limit.
import sharp from 'sharp';
import { LIMITS } from '../../sdk/src/protocol/index.js';
import { ConsoleError } from './api.js';

/** Longest side of the photo sent to terminals, px: a face in it stays well above what the detector needs. */
export const ENROL_PHOTO_MAX_SIDE = 1024;
/** Tried in order until the JPEG fits LIMITS.maxPhotoBytes: [longest side, quality]. */
const STEPS: ReadonlyArray<readonly [number, number]> = [
  [ENROL_PHOTO_MAX_SIDE, 85],
  [ENROL_PHOTO_MAX_SIDE, 70],
  [800, 70],
  [640, 65],
];
/** Refuses images that would take hundreds of MB to decode (a 100 MP photo is still accepted). */
const MAX_INPUT_PIXELS = 100_000_000;

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
 * the protocol's photo limit. Throws ConsoleError BAD_PHOTO (not an image we can read)
 * or PHOTO_TOO_LARGE, with a message for the person at the console.
 */
export async function enrolPhoto(input: Buffer): Promise<EnrolPhoto> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  } catch {
    throw new ConsoleError('BAD_PHOTO', 'The photo could not be read. Choose a JPEG, PNG or WebP picture.', 400);
  }
  if ((meta.width ?? 0) * (meta.height ?? 0) > MAX_INPUT_PIXELS) {
    throw new ConsoleError('BAD_PHOTO', 'The photo has too many pixels to process. Choose a smaller picture.', 400);
  }
  for (const [side, quality] of STEPS) {
    let out: { data: Buffer; info: sharp.OutputInfo };
    try {
      out = await sharp(input, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS })
        .rotate()
        .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
        .jpeg({ quality, mozjpeg: true })
        .toBuffer({ resolveWithObject: true });
    } catch {
      throw new ConsoleError('BAD_PHOTO', 'The photo could not be read. Choose a JPEG, PNG or WebP picture.', 400);
    }
    if (out.data.length <= LIMITS.maxPhotoBytes) return { mime: 'image/jpeg', data: out.data.toString('base64'), width: out.info.width, height: out.info.height };
  }
  throw new ConsoleError('PHOTO_TOO_LARGE', 'The photo is still too large after shrinking it. Try another picture, for example a webcam photo.', 413);
}
