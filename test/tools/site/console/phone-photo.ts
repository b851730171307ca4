// A photo as a phone takes it: 12 MP, sensor noise, a few MB of JPEG, stored sideways with
// an EXIF orientation tag that says how to turn it upright.
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';

/** `upright` (any picture) as a 3024×4032 phone JPEG of a few MB, stored landscape with EXIF orientation 6. */
export async function phoneJpeg(upright: Buffer, o: { width?: number; height?: number; quality?: number } = {}): Promise<Buffer> {
  const width = o.width ?? 3024;
  const height = o.height ?? 4032;
  const big = await sharp(upright).resize(width, height, { fit: 'cover' }).removeAlpha().raw().toBuffer();
  // Sensor noise: what makes a phone JPEG megabytes rather than hundreds of KB.
  const noise = randomBytes(big.length);
  for (let i = 0; i < big.length; i++) big[i] = Math.max(0, Math.min(255, big[i]! + (noise[i]! % 25) - 12));
  return sharp(big, { raw: { width, height, channels: 3 } })
    .rotate(270)
    .jpeg({ quality: o.quality ?? 92 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}
