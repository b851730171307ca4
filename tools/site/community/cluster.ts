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
  /** Identities absorbed into identityId by this add (the caller re-points their sightings). */
  mergedIds: string[];
  /** Similarity of the template to the identity it joined (-1 when it started a new one and there was none). */
  similarity: number;
}

export class ClusterError extends Error {
  constructor(readonly code: 'BAD_TEMPLATE' | 'BAD_OPTIONS' | 'UNKNOWN_IDENTITY', message: string) {
    super(message);
    this.name = 'ClusterError';
  }
}

/** Measured on faces-dev; see the calibration note below. */
export const DEFAULT_JOIN_THRESHOLD = 0.5;
export const DEFAULT_MERGE_THRESHOLD = 0.6;

export class IncrementalClusterer {
  constructor(opts: ClustererOptions) {
    void opts;
    throw new Error('not implemented');
  }

  add(template: Float32Array): AddResult {
    void template;
    throw new Error('not implemented');
  }

  /** Current identities (copies: mutating them does not change the clusterer). */
  identities(): IdentityCentroid[] {
    throw new Error('not implemented');
  }

  /** Forgets an identity (retention, or promoted to a registered person). */
  remove(id: string): void {
    void id;
    throw new Error('not implemented');
  }
}
