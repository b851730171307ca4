// Shared test fixtures: the real models and the face-api demo photos, fetched lazily
// from the npm registry into the model cache (never committed).
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { ensureAssets } from '../../../models/fetch.js';
import { FACE_API_DEMO_ASSETS } from '../../../models/manifest.js';
import type { ScoredBox } from '../../../firmware/vision/box.js';
import { FaceEngine } from '../../../firmware/vision/engine.js';
import type { RgbImage } from '../../../firmware/vision/image.js';
import type { FaceMatcher } from '../../../firmware/vision/decisions.js';

let engine: Promise<FaceEngine> | undefined;

/** One engine per test file (sessions are shared by the file's tests). */
export function sharedEngine(): Promise<FaceEngine> {
  engine ??= FaceEngine.create({ intraOpThreads: 1 });
  return engine;
}

export async function closeSharedEngine(): Promise<void> {
  if (engine) await (await engine).close();
  engine = undefined;
}

/** The six demo group photos (sample1.jpg … sample6.jpg) as encoded bytes. */
export async function demoPhoto(n: 1 | 2 | 3 | 4 | 5 | 6): Promise<Buffer> {
  const paths = await ensureAssets(FACE_API_DEMO_ASSETS);
  return readFile(paths.get(`sample${n}.jpg`)!);
}

export interface CropOptions {
  /** Region size as a multiple of the face box. */
  scale?: number;
  /** Shift of the region centre, as a fraction of the box size. */
  shift?: readonly [number, number];
  /** Output width in pixels (height keeps the aspect). */
  width?: number;
  jpegQuality?: number;
  flip?: boolean;
  /** Multiply brightness. */
  brightness?: number;
}

/** Cuts a region around `box` out of an (EXIF-upright) photo, re-encoded as JPEG. */
export async function cropAround(photo: Buffer, box: ScoredBox, o: CropOptions = {}): Promise<Buffer> {
  const meta = await sharp(photo).rotate().toBuffer({ resolveWithObject: true });
  const W = meta.info.width;
  const H = meta.info.height;
  const bw = box.x2 - box.x1;
  const bh = box.y2 - box.y1;
  const s = o.scale ?? 2.2;
  const cx = (box.x1 + box.x2) / 2 + (o.shift?.[0] ?? 0) * bw;
  const cy = (box.y1 + box.y2) / 2 + (o.shift?.[1] ?? 0) * bh;
  const w = Math.min(W, Math.round(bw * s));
  const h = Math.min(H, Math.round(bh * s));
  const left = Math.max(0, Math.min(W - w, Math.round(cx - w / 2)));
  const top = Math.max(0, Math.min(H - h, Math.round(cy - h / 2)));
  let p = sharp(meta.data).extract({ left, top, width: w, height: h });
  if (o.width) p = p.resize(o.width);
  if (o.flip) p = p.flop();
  if (o.brightness) p = p.modulate({ brightness: o.brightness });
  return p.jpeg({ quality: o.jpegQuality ?? 92 }).toBuffer();
}

/** Places an RGB image on a canvas of the given size at (x, y), grey background. */
export function placeOnCanvas(img: RgbImage, width: number, height: number, x: number, y: number, background = 110): RgbImage {
  const data = new Uint8Array(width * height * 3).fill(background);
  for (let r = 0; r < img.height; r++) {
    const ty = r + y;
    if (ty < 0 || ty >= height) continue;
    for (let c = 0; c < img.width; c++) {
      const tx = c + x;
      if (tx < 0 || tx >= width) continue;
      const s = (r * img.width + c) * 3;
      const d = (ty * width + tx) * 3;
      data[d] = img.data[s]!;
      data[d + 1] = img.data[s + 1]!;
      data[d + 2] = img.data[s + 2]!;
    }
  }
  return { width, height, data };
}

/** A tiny exact matcher over an in-memory gallery (stands in for firmware/vision/matcher). */
export class ExactMatcher implements FaceMatcher {
  readonly gallery = new Map<string, Float32Array>();

  add(personId: string, template: Float32Array): void {
    this.gallery.set(personId, template);
  }

  search(embedding: Float32Array, k: number): Array<{ personId: string; score: number }> {
    const hits: Array<{ personId: string; score: number }> = [];
    for (const [personId, t] of this.gallery) {
      let s = 0;
      for (let i = 0; i < t.length; i++) s += t[i]! * embedding[i]!;
      hits.push({ personId, score: s });
    }
    return hits.sort((a, b) => b.score - a.score).slice(0, k);
  }
}
