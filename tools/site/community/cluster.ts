/**
 * Incremental clustering of unknown faces into anonymous identities. Pure: no
 * I/O, no clock; the caller persists identities and passes them back in.
 * Templates are L2-normalised face embeddings (MobileFaceNet-512 for the default
 * model set), so a dot product is the cosine similarity.
 */

export interface IdentityCentroid {
  id: string;
  /** L2-normalised running mean of the identity's templates. */
  centroid: Float32Array;
  /** How many templates the centroid averages. */
  count: number;
}

export interface ClustererOptions {
  /** A template joins the most similar identity when the similarity reaches this. */
  joinThreshold: number;
  /** Two identities merge when their centroids' similarity reaches this. */
  mergeThreshold: number;
  /** Makes the id of a new identity (the caller's id scheme, e.g. a random UUID). */
  newId: () => string;
  /** Identities to start from (as persisted after earlier adds). */
  identities?: IdentityCentroid[];
}

export interface AddResult {
  /** The identity the template now belongs to (after any merge). */
  identityId: string;
  /** True when the template started a new identity. */
  created: boolean;
  /** Identities absorbed into identityId by this add, possibly the one the template joined (the caller re-points their sightings). */
  mergedIds: string[];
  /** Similarity of the template to the identity it joined (-1 when it started a new one and there was none). */
  similarity: number;
}

export type ClusterErrorCode = 'BAD_TEMPLATE' | 'BAD_OPTIONS' | 'UNKNOWN_IDENTITY';

export class ClusterError extends Error {
  constructor(readonly code: ClusterErrorCode, message: string) {
    super(message);
    this.name = 'ClusterError';
  }
}

/*
 * Calibration (npm run bench:community prints it again on every run): the real
 * detector + MobileFaceNet-512 embedder (faceplugin-0.0.1) on the dev face set (faces-dev)
 * (20 faces of 6 people) gives
 *   same person      44 pairs  mean 0.822 sd 0.111  min 0.549
 *   different people 146 pairs mean 0.010 sd 0.083  max 0.165
 * A template is compared with every anonymous identity (1:N, like the terminal's
 * open-set match), so a false join rate ≤ 1% over G = 2,000 identities needs a
 * per-comparison rate of 1%/G = 5e-6: 0.010 + 4.42 × 0.083 = 0.377 on the fitted
 * normal, rounded up to 0.40 for tails heavier than normal (146 pairs cannot show
 * them). No same-person pair of the 44 falls below 0.40; a template against a
 * centroid scores higher still (the centroid averages the pose/light noise away).
 * Merging joins two whole histories, so it asks for more: centroids of different
 * people spread wider than single pairs (≈ pair / 0.82, sd ≈ 0.10), and 0.50 is
 * ~4.9 sd above their mean (≈ 1e-3 over 2,000 identities per update).
 * faces-dev is a development set: a site should re-measure on its own faces.
 */
export const DEFAULT_JOIN_THRESHOLD = 0.4;
export const DEFAULT_MERGE_THRESHOLD = 0.5;

interface Cluster {
  centroid: Float32Array;
  count: number;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** a·wa + b·wb, normalised (a zero result, from exact opposites, keeps a). */
function weightedUnit(a: Float32Array, wa: number, b: Float32Array, wb: number): Float32Array {
  const out = new Float32Array(a.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]! * wa + b[i]! * wb;
    out[i] = v;
    n += v * v;
  }
  if (!(n > 0)) return Float32Array.from(a);
  const inv = 1 / Math.sqrt(n);
  for (let i = 0; i < out.length; i++) out[i]! *= inv;
  return out;
}

export class IncrementalClusterer {
  private readonly joinThreshold: number;
  private readonly mergeThreshold: number;
  private readonly newId: () => string;
  private readonly clusters = new Map<string, Cluster>();
  private dim: number | null = null;

  constructor(opts: ClustererOptions) {
    if (!opts || typeof opts !== 'object') throw new ClusterError('BAD_OPTIONS', 'IncrementalClusterer: options are required');
    for (const key of ['joinThreshold', 'mergeThreshold'] as const) {
      const v = opts[key];
      if (typeof v !== 'number' || !(v >= -1 && v <= 1)) throw new ClusterError('BAD_OPTIONS', `${key} must be a number in [-1, 1], got ${String(v)}`);
    }
    if (typeof opts.newId !== 'function') throw new ClusterError('BAD_OPTIONS', 'newId must be a function');
    this.joinThreshold = opts.joinThreshold;
    this.mergeThreshold = opts.mergeThreshold;
    this.newId = opts.newId;
    for (const identity of opts.identities ?? []) {
      if (typeof identity?.id !== 'string' || identity.id === '') throw new ClusterError('BAD_OPTIONS', 'identity id must be a non-empty string');
      if (this.clusters.has(identity.id)) throw new ClusterError('BAD_OPTIONS', `identity ${identity.id} is given twice`);
      if (!(Number.isInteger(identity.count) && identity.count >= 1)) {
        throw new ClusterError('BAD_OPTIONS', `identity ${identity.id}: count must be a positive integer, got ${String(identity.count)}`);
      }
      this.clusters.set(identity.id, { centroid: this.normalised(identity.centroid, `identity ${identity.id} centroid`), count: identity.count });
    }
  }

  /** Adds one unknown face: joins the most similar identity at or above the join threshold, else starts one; then merges. */
  add(template: Float32Array): AddResult {
    const t = this.normalised(template, 'template');
    let bestId: string | null = null;
    let best = -Infinity;
    for (const [id, c] of this.clusters) {
      const s = dot(t, c.centroid);
      if (s > best) {
        best = s;
        bestId = id;
      }
    }
    let id: string;
    let created: boolean;
    let similarity: number;
    if (bestId !== null && best >= this.joinThreshold) {
      const c = this.clusters.get(bestId)!;
      // Running mean of unit templates, kept as a unit direction.
      c.centroid = weightedUnit(c.centroid, c.count, t, 1);
      c.count++;
      id = bestId;
      created = false;
      similarity = best;
    } else {
      id = this.newId();
      if (typeof id !== 'string' || id === '' || this.clusters.has(id)) {
        throw new ClusterError('BAD_OPTIONS', `newId returned ${JSON.stringify(id)}, which is empty or already used`);
      }
      this.clusters.set(id, { centroid: t, count: 1 });
      created = true;
      similarity = bestId === null ? -1 : best;
    }
    // A new identity is below the join threshold to every centroid, so below a merge
    // threshold at least as high: the scan is only needed after a join (or merge < join).
    const merged = created && this.mergeThreshold >= this.joinThreshold ? { survivor: id, absorbed: [] } : this.mergeAround(id);
    if (created && merged.absorbed.includes(id)) {
      // Only possible with merge < join: the caller never saw the new id, so it is not news.
      return { identityId: merged.survivor, created: false, mergedIds: merged.absorbed.filter((m) => m !== id), similarity };
    }
    return { identityId: merged.survivor, created, mergedIds: merged.absorbed, similarity };
  }

  /** Current identities (copies: mutating them does not change the clusterer). */
  identities(): IdentityCentroid[] {
    return [...this.clusters].map(([id, c]) => ({ id, centroid: Float32Array.from(c.centroid), count: c.count }));
  }

  /** Forgets an identity (retention, or promoted to a registered person). */
  remove(id: string): void {
    if (!this.clusters.delete(id)) throw new ClusterError('UNKNOWN_IDENTITY', `no identity ${id}`);
  }

  /**
   * Merges the changed identity with every identity whose centroid reaches the merge
   * threshold, most similar first, re-checking after each merge since the centroid moves.
   * The identity with more templates keeps its id (fewer sightings to re-point).
   */
  private mergeAround(changedId: string): { survivor: string; absorbed: string[] } {
    let survivor = changedId;
    const absorbed: string[] = [];
    for (;;) {
      const c = this.clusters.get(survivor)!;
      let otherId: string | null = null;
      let best = -Infinity;
      for (const [id, o] of this.clusters) {
        if (id === survivor) continue;
        const s = dot(c.centroid, o.centroid);
        if (s > best) {
          best = s;
          otherId = id;
        }
      }
      if (otherId === null || best < this.mergeThreshold) return { survivor, absorbed };
      const o = this.clusters.get(otherId)!;
      const [keep, drop] = o.count > c.count ? [otherId, survivor] : [survivor, otherId];
      const k = this.clusters.get(keep)!;
      const d = this.clusters.get(drop)!;
      k.centroid = weightedUnit(k.centroid, k.count, d.centroid, d.count);
      k.count += d.count;
      this.clusters.delete(drop);
      absorbed.push(drop);
      survivor = keep;
    }
  }

  /** A finite, non-zero vector of the clusterer's dimension, as a unit copy. */
  private normalised(v: unknown, what: string): Float32Array {
    if (!(v instanceof Float32Array) || v.length === 0) throw new ClusterError('BAD_TEMPLATE', `${what} must be a non-empty Float32Array`);
    if (this.dim !== null && v.length !== this.dim) throw new ClusterError('BAD_TEMPLATE', `${what} has ${v.length} dimensions, expected ${this.dim}`);
    let n = 0;
    for (const x of v) {
      if (!Number.isFinite(x)) throw new ClusterError('BAD_TEMPLATE', `${what} has a non-finite value`);
      n += x * x;
    }
    if (!(n > 0)) throw new ClusterError('BAD_TEMPLATE', `${what} is a zero vector`);
    this.dim = v.length;
    const inv = 1 / Math.sqrt(n);
    return v.map((x) => x * inv);
  }
}
