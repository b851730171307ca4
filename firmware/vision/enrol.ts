// Enrolment from photos: choose the face in each photo, gate on quality, average the
// embeddings into one template, and warn about duplicates and inconsistent photos.
import { boxArea, type ScoredBox } from './box.js';
import { cosine, meanEmbedding } from './embedder.js';
import type { FaceAnalysis, FaceEngine } from './engine.js';
import { VisionError } from './errors.js';
import { decodeImage, encodeJpeg, type RgbImage } from './image.js';
import type { Quality, QualityThresholds } from './quality.js';
import { DEFAULT_MATCH_THRESHOLD, type FaceMatcher } from './decisions.js';
import { cropResize } from './resample.js';

export interface EnrolOptions {
  /** The person agreed to face enrolment. Without it nothing is analysed. */
  consent: boolean;
  /** Return a JPEG of the chosen face (from the best photo). No photo is kept otherwise. */
  keepPhoto?: boolean;
  engine: FaceEngine;
  /** Gallery to check for duplicates (optional). */
  matcher?: FaceMatcher;
  /** The person being enrolled: their own gallery entries are not duplicates. */
  personId?: string;
  /** Cosine score above which another person's match is reported. Default DEFAULT_MATCH_THRESHOLD. */
  duplicateThreshold?: number;
  quality?: Partial<QualityThresholds>;
}

export type EnrolWarningCode = 'BAD_IMAGE' | 'NO_FACE' | 'MULTIPLE_FACES' | 'LOW_QUALITY' | 'INCONSISTENT_FACES' | 'DUPLICATE_FACE';

export interface EnrolWarning {
  code: EnrolWarningCode;
  message: string;
  /** Index of the photo concerned, when it is about one photo. */
  image?: number;
  /** For DUPLICATE_FACE: the other person and the score. */
  personId?: string;
  score?: number;
}

export interface EnrolImageReport {
  index: number;
  /** Faces detected in the photo. */
  faces: number;
  /** The face chosen (highest detector score, then largest), if any. */
  chosen?: { box: ScoredBox; quality: Quality };
  /** Whether its embedding went into the template. */
  used: boolean;
}

export interface EnrolResult {
  /** L2-normalised mean of the used embeddings. */
  template: Float32Array;
  images: EnrolImageReport[];
  warnings: EnrolWarning[];
  /** JPEG of the chosen face, only with keepPhoto. */
  photo?: Buffer;
}

/** Highest detector score first (to two decimals, so near-ties fall through), then largest. */
export function chooseFace<T extends { box: ScoredBox }>(faces: readonly T[]): T | undefined {
  return [...faces].sort((a, b) => Math.round(b.box.score * 100) - Math.round(a.box.score * 100) || boxArea(b.box) - boxArea(a.box))[0];
}

async function facePhoto(img: RgbImage, box: ScoredBox): Promise<Buffer> {
  // A loose head-and-shoulders crop, at most 320 px wide.
  const w = (box.x2 - box.x1) * 1.8;
  const h = (box.y2 - box.y1) * 1.8;
  const cx = (box.x1 + box.x2) / 2;
  const cy = (box.y1 + box.y2) / 2;
  const scale = Math.min(1, 320 / w);
  const out = cropResize(img, { x: cx - w / 2, y: cy - h / 2, width: w, height: h }, Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale)));
  return encodeJpeg(out, 90);
}

/**
 * Builds a face template from one or more photos. Throws VisionError CONSENT_REQUIRED
 * without consent, BAD_IMAGE / NO_FACE / NO_USABLE_FACE when no photo yields a face that
 * passes the quality gate. Problems with single photos are warnings.
 */
export async function enrolFromImages(images: readonly Uint8Array[], options: EnrolOptions): Promise<EnrolResult> {
  if (!options || typeof options.consent !== 'boolean') throw new TypeError('enrolFromImages: options.consent (boolean) is required');
  if (!options.consent) throw new VisionError('CONSENT_REQUIRED', 'face enrolment needs the person\'s consent');
  if (!Array.isArray(images) || images.length === 0) throw new TypeError('enrolFromImages: at least one image is required');
  const { engine } = options;
  const warnings: EnrolWarning[] = [];
  const reports: EnrolImageReport[] = [];
  const used: Array<{ index: number; face: FaceAnalysis; img: RgbImage }> = [];
  const rejected: string[] = [];

  for (let index = 0; index < images.length; index++) {
    let img: RgbImage;
    try {
      img = await decodeImage(images[index]!);
    } catch (err) {
      warnings.push({ code: 'BAD_IMAGE', image: index, message: err instanceof Error ? err.message : String(err) });
      reports.push({ index, faces: 0, used: false });
      rejected.push(`photo ${index + 1}: not an image`);
      continue;
    }
    const boxes = await engine.detect(img);
    const chosenBox = chooseFace(boxes.map((box) => ({ box })))?.box;
    if (!chosenBox) {
      warnings.push({ code: 'NO_FACE', image: index, message: `photo ${index + 1}: no face found` });
      reports.push({ index, faces: 0, used: false });
      rejected.push(`photo ${index + 1}: no face`);
      continue;
    }
    if (boxes.length > 1) {
      warnings.push({ code: 'MULTIPLE_FACES', image: index, message: `photo ${index + 1}: ${boxes.length} faces, using the most confident (then largest)` });
    }
    const face = await engine.analyseFace(img, chosenBox, { quality: options.quality, embed: 'if-ok', liveness: 'never' });
    const ok = face.quality.ok && face.embedding !== undefined;
    reports.push({ index, faces: boxes.length, chosen: { box: chosenBox, quality: face.quality }, used: ok });
    if (ok) used.push({ index, face, img });
    else {
      warnings.push({ code: 'LOW_QUALITY', image: index, message: `photo ${index + 1}: ${face.quality.reason}` });
      rejected.push(`photo ${index + 1}: ${face.quality.reason}`);
    }
  }

  if (used.length === 0) {
    const allBad = reports.every((r) => r.faces === 0 && warnings.some((w) => w.image === r.index && w.code === 'BAD_IMAGE'));
    const noFace = reports.every((r) => r.faces === 0);
    const code = allBad ? 'BAD_IMAGE' : noFace ? 'NO_FACE' : 'NO_USABLE_FACE';
    throw new VisionError(code, `no usable face: ${rejected.join('; ')}`);
  }

  const template = meanEmbedding(used.map((u) => u.face.embedding!));
  const threshold = options.duplicateThreshold ?? DEFAULT_MATCH_THRESHOLD;

  // Photos that disagree with the others may show someone else.
  if (used.length > 1) {
    for (const u of used) {
      const others = used.filter((o) => o !== u).map((o) => o.face.embedding!);
      const score = cosine(u.face.embedding!, meanEmbedding(others));
      if (score < threshold) {
        warnings.push({ code: 'INCONSISTENT_FACES', image: u.index, score, message: `photo ${u.index + 1} does not look like the others (score ${score.toFixed(2)})` });
      }
    }
  }

  if (options.matcher) {
    const hits = await options.matcher.search(template, 5);
    for (const h of hits) {
      if (h.personId === options.personId || h.score < threshold) continue;
      warnings.push({ code: 'DUPLICATE_FACE', personId: h.personId, score: h.score, message: `face already matches person ${h.personId} (score ${h.score.toFixed(2)})` });
    }
  }

  const result: EnrolResult = { template, images: reports, warnings };
  if (options.keepPhoto) {
    const best = [...used].sort((a, b) => b.face.quality.metrics.sharpness * boxArea(b.face.box) - a.face.quality.metrics.sharpness * boxArea(a.face.box))[0]!;
    result.photo = await facePhoto(best.img, best.face.box);
  }
  return result;
}
