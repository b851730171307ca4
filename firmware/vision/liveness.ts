// Passive liveness with a `softmax-classes` model (MiniFASNet): Silent-Face style crops at
// several scales around the face, exposure-normalised, live probabilities averaged.
import type { LivenessModelSpec } from '../../models/manifest.js';
import { toInputTensor } from '../../models/tensor.js';
import type { Box } from './box.js';
import type { RgbImage } from './image.js';
import type { ReducedImage } from './detector.js';
import { InputBuffer } from './input-buffer.js';
import { cropResizeNative, pixelBounds } from './native-resize.js';
import { cropResize, type Rect } from './resample.js';
import type { ModelSession } from './runtime.js';

export type LivenessLevel = 'off' | 'low' | 'medium' | 'high';
export const LIVENESS_LEVELS: readonly LivenessLevel[] = ['off', 'low', 'medium', 'high'];

/**
 * Minimum fused live probability per level — the one place these thresholds live.
 * Chosen from the model's own scale (softmax probability of the live class), not fitted
 * to any data set here; `npm run bench:liveness` prints the DET points to revise them.
 */
export const LIVENESS_THRESHOLDS: Readonly<Record<LivenessLevel, number>> = {
  off: 0,
  low: 0.3,
  medium: 0.5,
  high: 0.7,
};

export const DEFAULT_LIVENESS_LEVEL: LivenessLevel = 'medium';

export function livenessThreshold(level: LivenessLevel): number {
  const t = LIVENESS_THRESHOLDS[level];
  if (t === undefined) throw new TypeError(`unknown liveness level "${String(level)}"; valid: ${LIVENESS_LEVELS.join(', ')}`);
  return t;
}

/** True when a fused live probability passes `level` (always true for 'off'). */
export function passesLiveness(live: number, level: LivenessLevel): boolean {
  return level === 'off' || live >= livenessThreshold(level);
}

/**
 * Silent-Face's crop: the box scaled by `scale` about its centre, the scale reduced when
 * the image is too small for it, then shifted to lie inside the image.
 */
export function livenessCrop(box: Box, scale: number, imgW: number, imgH: number): Rect {
  const bw = Math.max(1, box.x2 - box.x1);
  const bh = Math.max(1, box.y2 - box.y1);
  const s = Math.min((imgH - 1) / bh, (imgW - 1) / bw, scale);
  const w = bw * s;
  const h = bh * s;
  const cx = (box.x1 + box.x2) / 2;
  const cy = (box.y1 + box.y2) / 2;
  let x = cx - w / 2;
  let y = cy - h / 2;
  x = Math.min(Math.max(x, 0), imgW - 1 - w);
  y = Math.min(Math.max(y, 0), imgH - 1 - h);
  return { x: Math.max(0, x), y: Math.max(0, y), width: w, height: h };
}

/** Mean BT.601 luma of `region` (in the crop's pixels), sampled on a grid. */
function meanLuma(img: RgbImage, region: Rect): number {
  const x0 = Math.max(0, Math.floor(region.x));
  const y0 = Math.max(0, Math.floor(region.y));
  const x1 = Math.min(img.width, Math.ceil(region.x + region.width));
  const y1 = Math.min(img.height, Math.ceil(region.y + region.height));
  let sum = 0;
  let n = 0;
  for (let y = y0; y < y1; y += 2) {
    for (let x = x0; x < x1; x += 2) {
      const o = (y * img.width + x) * 3;
      sum += 0.299 * img.data[o]! + 0.587 * img.data[o + 1]! + 0.114 * img.data[o + 2]!;
      n++;
    }
  }
  return n > 0 ? sum / n : 128;
}

/**
 * Brings an under- or over-exposed face into the normal band with a gamma curve (no
 * clipping, colour ratios roughly kept). Faces already in the band are left untouched,
 * so well-lit captures see exactly what the model was trained on.
 */
export function normaliseExposure(img: RgbImage, faceRegion: Rect, band: readonly [number, number] = [90, 170]): RgbImage {
  const mean = meanLuma(img, faceRegion);
  if (mean >= band[0] && mean <= band[1]) return img;
  const target = mean < band[0] ? band[0] : band[1];
  const m = Math.min(Math.max(mean, 4), 251) / 255;
  const gamma = Math.min(Math.max(Math.log(target / 255) / Math.log(m), 0.35), 2.5);
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) lut[i] = Math.round(255 * (i / 255) ** gamma);
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) out[i] = lut[img.data[i]!]!;
  return { width: img.width, height: img.height, data: out };
}

export interface LivenessScore {
  /** Live probability fused over the crop scales, 0..1. */
  live: number;
  /** Live probability per crop scale, in manifest order. */
  perScale: number[];
}

function softmax(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  const out = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i]! - max);
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

/**
 * The exposure-normalised model inputs for `box`, one per crop scale. A crop that still
 * shrinks when cut from `reduced` (the detector's shrunk copy of the frame) is cut from it,
 * which costs a fraction of a millisecond; others come from the full image, resized in
 * libvips off the JS thread when large.
 */
export async function livenessCrops(img: RgbImage, box: Box, spec: LivenessModelSpec, reduced?: ReducedImage, normalise = true): Promise<RgbImage[]> {
  const { width: iw, height: ih } = spec.input;
  return Promise.all(
    spec.cropScales.map(async (scale) => {
      const rect = pixelBounds(livenessCrop(box, scale, img.width, img.height), img.width, img.height);
      const fromReduced = reduced !== undefined && rect.width * reduced.sx >= iw && rect.height * reduced.sy >= ih;
      const crop = fromReduced
        ? cropResize(reduced.img, { x: rect.left * reduced.sx, y: rect.top * reduced.sy, width: rect.width * reduced.sx, height: rect.height * reduced.sy }, iw, ih)
        : await cropResizeNative(img, { x: rect.left, y: rect.top, width: rect.width, height: rect.height }, iw, ih);
      // The face's own box inside the crop decides the exposure correction.
      const fx = iw / rect.width;
      const fy = ih / rect.height;
      const face: Rect = { x: (box.x1 - rect.left) * fx, y: (box.y1 - rect.top) * fy, width: (box.x2 - box.x1) * fx, height: (box.y2 - box.y1) * fy };
      // normalise = false only for bench:liveness's side-by-side measurement of the correction.
      return normalise ? normaliseExposure(crop, face) : crop;
    }),
  );
}

/** Scores crops made by `livenessCrops`; the one interface of the in-process and worker scorers. */
export interface LivenessCropScorer {
  readonly spec: LivenessModelSpec;
  scoreCrops(crops: readonly RgbImage[]): Promise<LivenessScore>;
}

export class LivenessScorer implements LivenessCropScorer {
  private readonly input: InputBuffer;

  constructor(
    private readonly session: ModelSession,
    readonly spec: LivenessModelSpec,
  ) {
    this.input = new InputBuffer(3 * spec.input.width * spec.input.height);
  }

  async scoreCrops(crops: readonly RgbImage[]): Promise<LivenessScore> {
    if (crops.length !== this.spec.cropScales.length) throw new TypeError(`liveness: ${crops.length} crops for ${this.spec.cropScales.length} scales`);
    const perScale: number[] = [];
    await this.input.with(async (buf) => {
      for (const crop of crops) {
        const logits = (await this.session.run(toInputTensor({ ...crop, channels: 3 }, this.spec.input, buf)))[this.spec.output];
        if (!logits || logits.length <= this.spec.liveClass) throw new TypeError(`liveness: output ${this.spec.output} missing or short`);
        perScale.push(softmax(logits)[this.spec.liveClass]!);
      }
    });
    return { live: perScale.reduce((a, b) => a + b, 0) / perScale.length, perScale };
  }

  async score(img: RgbImage, box: Box): Promise<LivenessScore> {
    return this.scoreCrops(await livenessCrops(img, box, this.spec));
  }
}
