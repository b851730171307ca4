// Synthetic hard-light variants of live face photos, for measuring how often liveness calls
// a genuine resident a spoof when the light at the door is bad. The variants model the
// camera physically: pixel values are decoded to linear light (sRGB curve), exposure and
// lighting act there, the sensor clips at full scale and adds shot + read noise, and the
// result is encoded back to sRGB. Parameters are fixed up front, not tuned to any score.
import sharp from 'sharp';
import type { Box } from '../../firmware/vision/box.js';
import type { RgbImage } from '../../firmware/vision/image.js';
import { rng } from './embeddings.js';

/** Sensor noise in linear light (0..1 full scale): σ² = shot·L + read². */
export interface SensorNoise {
  shot: number;
  read: number;
}

/**
 * A small webcam sensor at high analogue gain: σ ≈ 3–4 DN in mid-grey and ≈ 4 DN in the
 * shadows after sRGB encoding, per channel and uncorrelated (no denoiser).
 */
export const WEBCAM_NOISE: Readonly<SensorNoise> = { shot: 0.0005, read: 0.003 };

export interface BacklitOptions {
  /** Face (person) luminance is divided by this: auto-exposure set by a bright background. */
  faceDarkening: number;
  /** Background luminance gain; values past full scale clip (a window, a sunlit street). */
  backgroundGain: number;
  /** Veiling glare from the bright background, added everywhere as a fraction of full scale. */
  glare: number;
  /** Width of the silhouette's soft edge, as a fraction of the ellipse radius (defocus, flare). */
  falloff: number;
  noise: SensorNoise;
  seed: number;
}

export const BACKLIT_DEFAULTS: Readonly<Omit<BacklitOptions, 'faceDarkening'>> = {
  backgroundGain: 3,
  glare: 0.01,
  falloff: 0.15,
  noise: WEBCAM_NOISE,
  seed: 1,
};

export interface DimOptions {
  /** Global exposure factor in linear light (the camera is at its gain limit). */
  exposure: number;
  noise: SensorNoise;
  seed: number;
}

export const DIM_DEFAULTS: Readonly<DimOptions> = { exposure: 0.3, noise: WEBCAM_NOISE, seed: 2 };

export interface WebcamOptions {
  width: number;
  height: number;
  jpegQuality: number;
}

export const WEBCAM_DEFAULTS: Readonly<WebcamOptions> = { width: 640, height: 480, jpegQuality: 60 };

/** Deterministic uniform [0, 1) generator (mulberry32), so a run is reproducible. */
export const seededRandom = rng;

function gaussian(rand: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

const TO_LINEAR = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  const c = i / 255;
  TO_LINEAR[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

function toSrgb8(l: number): number {
  if (!(l > 0)) return 0;
  if (l >= 1) return 255;
  const c = l <= 0.0031308 ? 12.92 * l : 1.055 * l ** (1 / 2.4) - 0.055;
  return Math.round(255 * c);
}

/**
 * Applies a per-pixel linear-light gain (`gain(i)` for pixel i), adds `offset`, clips at
 * full scale (the sensor saturates), adds sensor noise and encodes back to sRGB.
 */
function expose(img: RgbImage, gain: (pixel: number) => number, offset: number, noise: SensorNoise, seed: number): RgbImage {
  const n = img.width * img.height;
  const out = new Uint8Array(n * 3);
  const g = gaussian(seededRandom(seed));
  const src = img.data;
  for (let p = 0, i = 0; p < n; p++) {
    const k = gain(p);
    for (let c = 0; c < 3; c++, i++) {
      const l = Math.min(1, TO_LINEAR[src[i]!]! * k + offset);
      out[i] = toSrgb8(l + Math.sqrt(noise.shot * l + noise.read * noise.read) * g());
    }
  }
  return { width: img.width, height: img.height, data: out };
}

function smoothstep(e0: number, e1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
}

/**
 * Coverage (0..1) of the people whose face boxes are given: per face a head ellipse
 * (hair included, so taller than the box and centred a little above it) and a torso
 * ellipse under the chin for neck and shoulders, each with a smooth edge of `falloff`.
 */
export function personMask(width: number, height: number, faces: readonly Box[], falloff: number): Float32Array {
  const mask = new Float32Array(width * height);
  for (const b of faces) {
    const w = b.x2 - b.x1;
    const h = b.y2 - b.y1;
    const cx = (b.x1 + b.x2) / 2;
    const shapes = [
      { cx, cy: (b.y1 + b.y2) / 2 - 0.1 * h, rx: 0.65 * w, ry: 0.8 * h },
      { cx, cy: b.y2 + 1.25 * h, rx: 1.5 * w, ry: 1.3 * h },
    ];
    for (const s of shapes) {
      const reach = 1 + falloff;
      const y0 = Math.max(0, Math.floor(s.cy - s.ry * reach));
      const y1 = Math.min(height - 1, Math.ceil(s.cy + s.ry * reach));
      const x0 = Math.max(0, Math.floor(s.cx - s.rx * reach));
      const x1 = Math.min(width - 1, Math.ceil(s.cx + s.rx * reach));
      for (let y = y0; y <= y1; y++) {
        const dy = (y + 0.5 - s.cy) / s.ry;
        for (let x = x0; x <= x1; x++) {
          const dx = (x + 0.5 - s.cx) / s.rx;
          const m = 1 - smoothstep(1 - falloff, 1 + falloff, Math.sqrt(dx * dx + dy * dy));
          const i = y * width + x;
          if (m > mask[i]!) mask[i] = m;
        }
      }
    }
  }
  return mask;
}

/**
 * A backlit capture: a bright background sets the exposure, so the people (faces given by
 * their boxes) come out `faceDarkening`× darker in linear light while the background is
 * pushed toward saturation; glare from the background veils everything; sensor noise.
 */
export function backlit(img: RgbImage, faces: readonly Box[], options: Partial<BacklitOptions> & Pick<BacklitOptions, 'faceDarkening'>): RgbImage {
  const o = { ...BACKLIT_DEFAULTS, ...options };
  if (!(o.faceDarkening >= 1) || !(o.backgroundGain >= 1)) throw new TypeError('backlit: faceDarkening and backgroundGain must be ≥ 1');
  const mask = personMask(img.width, img.height, faces, o.falloff);
  const fg = 1 / o.faceDarkening;
  const bg = o.backgroundGain;
  // Blend in log-gain so the edge is a smooth exposure ramp, not a halo.
  const lf = Math.log(fg);
  const lb = Math.log(bg);
  return expose(img, (p) => Math.exp(lb + (lf - lb) * mask[p]!), o.glare, o.noise, o.seed);
}

/** A dim capture: global exposure `exposure`× in linear light, with sensor noise. */
export function dim(img: RgbImage, options: Partial<DimOptions> = {}): RgbImage {
  const o = { ...DIM_DEFAULTS, ...options };
  if (!(o.exposure > 0 && o.exposure <= 1)) throw new TypeError('dim: exposure must be in (0, 1]');
  return expose(img, () => o.exposure, 0, o.noise, o.seed);
}

/**
 * A cheap webcam frame: the photo cropped to the frame's aspect (centred on the faces,
 * as a person stands in front of the camera), resized to `width`×`height` and passed
 * through JPEG at `jpegQuality` with 4:2:0 chroma, as MJPEG webcams send. Returns the frame
 * and the face boxes mapped into it.
 */
export async function cheapWebcam(img: RgbImage, faces: readonly Box[], options: Partial<WebcamOptions> = {}): Promise<{ image: RgbImage; faces: Box[]; upscaled: boolean }> {
  const o = { ...WEBCAM_DEFAULTS, ...options };
  const aspect = o.width / o.height;
  let cw = img.width;
  let ch = img.height;
  if (cw / ch > aspect) cw = Math.round(ch * aspect);
  else ch = Math.round(cw / aspect);
  const fx = faces.length ? faces.reduce((s, b) => s + (b.x1 + b.x2) / 2, 0) / faces.length : img.width / 2;
  const fy = faces.length ? faces.reduce((s, b) => s + (b.y1 + b.y2) / 2, 0) / faces.length : img.height / 2;
  const left = Math.round(Math.min(Math.max(fx - cw / 2, 0), img.width - cw));
  const top = Math.round(Math.min(Math.max(fy - ch / 2, 0), img.height - ch));
  const jpeg = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .extract({ left, top, width: cw, height: ch })
    .resize(o.width, o.height, { fit: 'fill' })
    .jpeg({ quality: o.jpegQuality, chromaSubsampling: '4:2:0' })
    .toBuffer();
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const s = o.width / cw;
  return {
    image: { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) },
    faces: faces.map((b) => ({ x1: (b.x1 - left) * s, y1: (b.y1 - top) * s, x2: (b.x2 - left) * s, y2: (b.y2 - top) * s })),
    upscaled: s > 1,
  };
}

/** Mean BT.601 luma over the pixels where `select(x, y)` holds. */
export function meanLuma(img: RgbImage, select: (x: number, y: number) => boolean): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (!select(x, y)) continue;
      const o = (y * img.width + x) * 3;
      sum += 0.299 * img.data[o]! + 0.587 * img.data[o + 1]! + 0.114 * img.data[o + 2]!;
      n++;
    }
  }
  return n ? sum / n : Number.NaN;
}
