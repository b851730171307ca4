// Camera frames made from the face-api demo photos: one face placed at a chosen size and
// position in a 640×480 frame, re-compressed, as a sim camera (or an ffmpeg still) gets it.
import sharp from 'sharp';
import type { FrameInput } from '../../../hal/sim/camera.js';
import type { ScoredBox } from '../../../firmware/vision/box.js';
import { decodeImage } from '../../../firmware/vision/image.js';
import { demoPhoto, sharedEngine } from '../vision/fixtures.js';

export type DemoPhoto = 1 | 2 | 3 | 4 | 5 | 6;

/** The faces of a demo photo, left to right. */
export async function facesOf(n: DemoPhoto): Promise<ScoredBox[]> {
  const engine = await sharedEngine();
  return (await engine.detect(await decodeImage(await demoPhoto(n)))).sort((a, b) => a.x1 - b.x1);
}

export interface FaceFrameOptions {
  /** Width of the face box in the frame, px. Default 150. */
  faceWidth?: number;
  /** Where the face centre lands, as fractions of the frame size. Default [0.5, 0.45]. */
  at?: readonly [number, number];
  /** JPEG quality of the re-compression. Default 40. */
  jpegQuality?: number;
  /** How much of the photo around the face comes along, as a multiple of the face box. Default 2.6. */
  context?: number;
  /** A black-and-white copy, like a print of the face held up to the camera. */
  grayscale?: boolean;
  width?: number;
  height?: number;
}

/** The frame as a JPEG, the way a camera source would read it from a file. */
export async function faceFrameJpeg(n: DemoPhoto, box: ScoredBox, o: FaceFrameOptions = {}): Promise<Buffer> {
  const W = o.width ?? 640;
  const H = o.height ?? 480;
  const k = (o.faceWidth ?? 150) / (box.x2 - box.x1);
  const [ax, ay] = o.at ?? [0.5, 0.45];
  // Only the face and its surroundings: the other people in the group photo stay out.
  const head = await portrait(n, box, o.context ?? 2.6);
  const { width: hw = 0, height: hh = 0 } = await sharp(head.jpeg).metadata();
  const resized = await sharp(head.jpeg).resize(Math.max(1, Math.round(hw * k)), Math.max(1, Math.round(hh * k)), { fit: 'fill' }).toBuffer();
  const padded = await sharp(resized).extend({ top: H, bottom: H, left: W, right: W, background: { r: 110, g: 110, b: 110 } }).toBuffer();
  const cx = head.faceCentre[0] * k;
  const cy = head.faceCentre[1] * k;
  let frame = sharp(padded).extract({ left: Math.round(cx - ax * W + W), top: Math.round(cy - ay * H + H), width: W, height: H });
  if (o.grayscale) frame = frame.grayscale().toColourspace('srgb');
  return frame.jpeg({ quality: o.jpegQuality ?? 40 }).toBuffer();
}

/** The frame as raw RGB, ready for SimCamera.pushFrame. */
export async function faceFrame(n: DemoPhoto, box: ScoredBox, o: FaceFrameOptions = {}): Promise<FrameInput> {
  const { data, info } = await sharp(await faceFrameJpeg(n, box, o)).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, format: 'rgb24', data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** An empty frame: nobody in front of the camera. */
export function emptyFrame(width = 640, height = 480): FrameInput {
  return { width, height, format: 'rgb24', data: new Uint8Array(width * height * 3).fill(110) };
}

/** A portrait photo of one face (for enrolment), cut from the original demo photo. */
export async function portraitPhoto(n: DemoPhoto, box: ScoredBox, scale = 2.5): Promise<Buffer> {
  return (await portrait(n, box, scale)).jpeg;
}

async function portrait(n: DemoPhoto, box: ScoredBox, scale: number): Promise<{ jpeg: Buffer; faceCentre: [number, number] }> {
  const upright = await sharp(await demoPhoto(n)).rotate().toBuffer({ resolveWithObject: true });
  const { width: W, height: H } = upright.info;
  const w = Math.min(W, Math.round((box.x2 - box.x1) * scale));
  const h = Math.min(H, Math.round((box.y2 - box.y1) * scale));
  const cx = (box.x1 + box.x2) / 2;
  const cy = (box.y1 + box.y2) / 2;
  const left = Math.max(0, Math.min(W - w, Math.round(cx - w / 2)));
  const top = Math.max(0, Math.min(H - h, Math.round(cy - h / 2)));
  const jpeg = await sharp(upright.data).extract({ left, top, width: w, height: h }).jpeg({ quality: 92 }).toBuffer();
  return { jpeg, faceCentre: [cx - left, cy - top] };
}
