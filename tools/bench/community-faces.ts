/**
 * Face templates for bench:community, drawn from the distributions the real models
 * give: the faces-dev photos go through the project's detector and embedder (the calls
 * bench:vision makes: decode → detect → chooseFace → analyseFace), their same-person and
 * different-person cosine similarities are measured, and a generative model is fitted so
 * that simulated sightings score like the real pairs do.
 *
 * Model: person p has a unit base b_p; one sighting is unit(a·b_p + √(1−a²)·n) with n
 * random (pose/light/camera noise) and a ~ N(μa, σa) per sighting. Same-person pairs
 * then score ≈ a_i·a_j (fitted to the measured mean and sd); different people score
 * ≈ a_i·a_j·(b_p·b_q), where the bases share a common part and otherwise spread in
 * d_eff dimensions, fitted to the measured different-person mean and sd.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { FaceEngine } from '../../firmware/vision/engine.js';
import { chooseFace } from '../../firmware/vision/enrol.js';
import { decodeImage } from '../../firmware/vision/image.js';
import { gaussian, rng, unit } from './embeddings.js';

export interface Stats {
  n: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
}

export function stats(values: readonly number[]): Stats {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  return { n, mean, sd, min: values.reduce((a, b) => Math.min(a, b), Infinity), max: values.reduce((a, b) => Math.max(a, b), -Infinity) };
}

export const fmtStats = (s: Stats) => `${String(s.n).padStart(5)} pairs  mean ${s.mean.toFixed(3)}  sd ${s.sd.toFixed(3)}  min ${s.min.toFixed(3)}  max ${s.max.toFixed(3)}`;

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Same-person and different-person similarities of every pair of labelled templates. */
export function pairScores(templates: ReadonlyArray<{ label: string; e: Float32Array }>): { genuine: number[]; impostor: number[] } {
  const genuine: number[] = [];
  const impostor: number[] = [];
  for (let i = 0; i < templates.length; i++) {
    for (let j = i + 1; j < templates.length; j++) {
      (templates[i]!.label === templates[j]!.label ? genuine : impostor).push(dot(templates[i]!.e, templates[j]!.e));
    }
  }
  return { genuine, impostor };
}

/** Null when the folder is missing, so the caller can say so. */
export async function embedFaceSet(dir: string, modelDir?: string): Promise<Array<{ label: string; file: string; e: Float32Array }> | null> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return null;
  const engine = await FaceEngine.create({ ...(modelDir !== undefined && { cacheDir: modelDir }), parallelLiveness: false });
  const out: Array<{ label: string; file: string; e: Float32Array }> = [];
  try {
    for (const label of readdirSync(dir).sort()) {
      const folder = join(dir, label);
      if (!statSync(folder).isDirectory()) continue;
      for (const file of readdirSync(folder).sort()) {
        if (!/\.(jpe?g|png|webp|bmp|tiff?)$/i.test(extname(file))) continue;
        const img = await decodeImage(readFileSync(join(folder, file)));
        const box = chooseFace((await engine.detect(img)).map((b) => ({ box: b })))?.box;
        if (!box) continue;
        const a = await engine.analyseFace(img, box, { embed: 'always', liveness: 'never' });
        out.push({ label, file: `${label}/${file}`, e: a.embedding! });
      }
    }
  } finally {
    await engine.close();
  }
  return out;
}

export interface TemplateModel {
  dim: number;
  /** Per-sighting signal weight a ~ N(muA, sdA), clipped to [0.2, 0.999]. */
  muA: number;
  sdA: number;
  /** Cosine every two bases share, and the dimensions the rest spreads in. */
  common: number;
  dEff: number;
}

/** Fits the model to measured same-person and different-person scores (moments, see the file comment). */
export function fitTemplateModel(genuine: Stats, impostor: Stats, dim: number): TemplateModel {
  const muA = Math.sqrt(genuine.mean);
  const ea2 = Math.sqrt(genuine.sd ** 2 + genuine.mean ** 2);
  const sdA = Math.sqrt(Math.max(0, ea2 - muA * muA));
  const common = Math.max(0, impostor.mean / genuine.mean);
  const sdBases = impostor.sd / ea2;
  const dEff = Math.max(2, Math.min(dim, Math.round(((1 - common) / sdBases) ** 2)));
  return { dim, muA, sdA, common, dEff };
}

/** Draws bases and sightings from a fitted model, seeded. */
export class TemplateSource {
  private readonly normal: () => number;
  private readonly commonDir: Float32Array;

  constructor(readonly model: TemplateModel, seed: number) {
    this.normal = gaussian(rng(seed));
    this.commonDir = new Float32Array(model.dim);
    this.commonDir[model.dim - 1] = 1;
  }

  /** A new person's base: the common direction plus a random direction in d_eff dimensions. */
  base(): Float32Array {
    const { dim, dEff, common } = this.model;
    const u = new Float32Array(dim);
    for (let i = 0; i < dEff; i++) u[i] = this.normal();
    unit(u);
    const b = new Float32Array(dim);
    const wc = Math.sqrt(common);
    const wu = Math.sqrt(1 - common);
    for (let i = 0; i < dim; i++) b[i] = wu * u[i]! + wc * this.commonDir[i]!;
    return unit(b);
  }

  /** One sighting of the person with this base: pose, light and camera noise. */
  sighting(base: Float32Array): Float32Array {
    const { muA, sdA, dim } = this.model;
    const a = Math.min(0.999, Math.max(0.2, muA + sdA * this.normal()));
    const n = new Float32Array(dim);
    for (let i = 0; i < dim; i++) n[i] = this.normal();
    unit(n);
    const w = Math.sqrt(1 - a * a);
    const v = new Float32Array(dim);
    for (let i = 0; i < dim; i++) v[i] = a * base[i]! + w * n[i]!;
    return unit(v);
  }
}
