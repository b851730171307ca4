/** Two people at the door in one camera frame: for tailgating (one grant, two faces through the open door). */
import sharp from 'sharp';
import type { FrameInput } from '../../../hal/sim/camera.js';
import { faceFrameJpeg, facesOf, type DemoPhoto } from './frames.js';

export type DemoFace = readonly [DemoPhoto, number];

/** `first` on the left half of frame `i` of a walk-up, `second` a step behind on the right. */
export async function twoFacesFrame(first: DemoFace, second: DemoFace, i: number): Promise<FrameInput> {
  const left = await faceFrameJpeg(first[0], (await facesOf(first[0]))[first[1]]!, { faceWidth: 150 + 4 * i, at: [0.27, 0.45 - 0.005 * i], jpegQuality: 90 });
  const right = await faceFrameJpeg(second[0], (await facesOf(second[0]))[second[1]]!, { faceWidth: 110 + 4 * i, at: [0.73, 0.45 - 0.005 * i], jpegQuality: 90 });
  const half = await sharp(right).extract({ left: 320, top: 0, width: 320, height: 480 }).toBuffer();
  const { data, info } = await sharp(left).composite([{ input: half, left: 320, top: 0 }]).jpeg({ quality: 40 }).toBuffer().then((j) => sharp(j).removeAlpha().raw().toBuffer({ resolveWithObject: true }));
  return { width: info.width, height: info.height, format: 'rgb24', data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
