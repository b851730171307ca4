/** Deterministic embeddings for the matcher bench and tests (seeded, so a failing run can be replayed). */

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal by Box-Muller. */
export function gaussian(rand: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

export function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
}

export function randomUnit(dim: number, normal: () => number): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = normal();
  return unit(v);
}

/** `base` plus Gaussian noise of the given strength relative to its length, normalised. */
export function jitter(base: Float32Array, strength: number, normal: () => number): Float32Array {
  const v = new Float32Array(base.length);
  const s = strength / Math.sqrt(base.length);
  for (let i = 0; i < base.length; i++) v[i] = base[i]! + s * normal();
  return unit(v);
}

export interface Gallery {
  templates: Array<{ id: string; person: string; vector: Float32Array }>;
  /** Person centres (clustered galleries only). */
  centres: Float32Array[];
}

/** Independent random templates, one person each. */
export function randomGallery(count: number, dim: number, seed: number): Gallery {
  const normal = gaussian(rng(seed));
  const templates = Array.from({ length: count }, (_, i) => ({ id: `t${i}`, person: `p${i}`, vector: randomUnit(dim, normal) }));
  return { templates, centres: [] };
}

/**
 * People as clusters: each has `perPerson` templates near a centre, and the
 * centres themselves crowd around a few "look-alike" groups, so many scores are
 * close together, which is where quantisation would flip a ranking.
 */
export function clusteredGallery(people: number, perPerson: number, dim: number, seed: number): Gallery {
  const normal = gaussian(rng(seed));
  const groups = Array.from({ length: Math.max(1, Math.floor(people / 20)) }, () => randomUnit(dim, normal));
  const centres: Float32Array[] = [];
  const templates: Gallery['templates'] = [];
  for (let p = 0; p < people; p++) {
    const centre = jitter(groups[p % groups.length]!, 0.9, normal);
    centres.push(centre);
    for (let t = 0; t < perPerson; t++) templates.push({ id: `p${p}-t${t}`, person: `p${p}`, vector: jitter(centre, 0.6, normal) });
  }
  return { templates, centres };
}
