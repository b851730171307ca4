import type { Rows } from './row-codec.js';

export interface SearchHit {
  personId: string;
  templateId: string;
  /**
   * Cosine similarity of the query and this template. Exact float32 with
   * `storage: 'float32'`; with 'float16' within 2^-11·Σ|q·t| + 2^-25·Σ|q| of it
   * (a bound below 5e-4; measured errors below 5e-5), and exact when
   * `exactTemplates` re-scored it.
   */
  score: number;
}

export type VerifyResult = SearchHit;

/**
 * Returns the float32 templates (any scale: the matcher normalises them) of the
 * given template ids, in order; null/undefined for an id it does not know. The
 * matcher calls it, synchronously and rarely, for the few candidates whose
 * float16 scores are too close to rank for certain (see {@link storeExactTemplates}).
 */
export type ExactTemplateSource = (templateIds: readonly string[]) => ReadonlyArray<ArrayLike<number> | null | undefined>;

/** How often the float16 re-rank could not tell the best template apart on its own. */
export interface RerankStats {
  /** Searches answered (search and searchExact). */
  searches: number;
  /** Of those, how many had candidates within the float16 error bound of the best one. */
  ambiguous: number;
  /** Of the ambiguous ones, how many were settled with exact float32 templates from `exactTemplates`. */
  resolved: number;
}

/**
 * A candidate of a scan: its template (slot + serial, checked again before
 * answering, since a scan may await while the gallery changes), its float
 * score, and where its row was when scored.
 */
export interface Scored {
  slot: number;
  serial: number;
  score: number;
  rows: Rows;
  row: number;
}
