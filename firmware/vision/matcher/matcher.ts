import { systemClock, type Clock } from '../../../hal/clock.js';
import { child, silentLogger, type Logger } from '../../log.js';
import { MatcherError } from './errors.js';
import { fullScan } from './full-scan.js';
import { int8Scan } from './int8-scan.js';
import { Reindexer } from './reindexer.js';
import { Reranker } from './rerank.js';
import { rowCodec, type RowCodec, type TemplateStorage } from './row-codec.js';
import type { ExactTemplateSource, RerankStats, Scored, SearchHit, VerifyResult } from './search-types.js';
import { MAX_ID_LENGTH, NONE, TemplateTable } from './template-table.js';
import { inverseNorm, normalised } from './vector.js';

export type { ExactTemplateSource, RerankStats, SearchHit, VerifyResult } from './search-types.js';

export interface MatcherOptions {
  /** Template length. Default 512. */
  dim?: number;
  /**
   * How templates are kept for the re-rank, verify and the full scan: 'float16'
   * (default, 1 KB per 512-d template) or 'float32' (2 KB, exact scores).
   */
  storage?: TemplateStorage;
  /**
   * With float16 storage: where to read float32 templates when two candidates'
   * scores are closer than the float16 error bound, so the top result is always
   * the one an exact float32 search returns. Without it the float16 order stands
   * (the bench measures how often that differs: near-ties only).
   */
  exactTemplates?: ExactTemplateSource;
  /**
   * 'onnx' (default): int8 candidate scan in onnxruntime, then the float re-rank.
   * 'float': a scan of every stored template in JavaScript only.
   */
  fastPath?: 'onnx' | 'float';
  /** Candidates the int8 scan passes to the float re-rank (at least). Default 32. */
  rerank?: number;
  /** Rows per segment, the unit that is re-indexed after a change. Default 16384. */
  segmentSize?: number;
  /** onnxruntime intra-op threads per scan. Default 1. */
  threads?: number;
  /** Quiet time after a change before changed segments are re-indexed. Default 250 ms. */
  reindexDelayMs?: number;
  /** Re-index at once (without waiting for quiet) when this many rows are pending. Default 2048. */
  maxPendingRows?: number;
  clock?: Clock;
  logger?: Logger;
}

function checkId(id: unknown, what: string): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new MatcherError('BAD_ID', `${what} must be a string of 1-${MAX_ID_LENGTH} characters`);
  }
  return id;
}

function checkK(k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new TypeError(`k must be a positive integer, got ${k}`);
  return k;
}

/**
 * The in-memory face gallery and its 1:N and 1:1 search.
 *
 * Templates are stored L2-normalised (the matcher normalises what it is given),
 * so scores are cosine similarities in [-1, 1]. A person may have several
 * templates; searches report each person once, with their best template.
 *
 * Search: an int8 scan of every indexed segment in onnxruntime picks candidates,
 * rows added since the last indexing are scored in full, and the candidates are
 * re-ranked with float dot products against the stored templates (float16 by
 * default: half the memory of float32). Each float16 score comes with a bound on
 * its distance from the float32 score; when another candidate's score is within
 * the bounds of the best one, `exactTemplates` (if given) supplies their float32
 * templates and they are re-scored exactly. So the top result equals the exact
 * float32 search's whenever the true best template is among the candidates (the
 * bench measures how often; quantisation error is far below the gap the
 * re-rank covers).
 *
 * Memory per 512-d template: 1 KB of float16 rows, 512 B of int8 in
 * onnxruntime, ~40 B of typed arrays and its id's characters (see IdTable).
 *
 * Changes are cheap: `add` appends to a segment and `remove` leaves a tombstone.
 * After `reindexDelayMs` without changes (or at once past `maxPendingRows`) each
 * changed segment alone is compacted and re-indexed; pending rows are scored in
 * full meanwhile, so answers do not change with indexing.
 * `flush()` does that immediately (after a bulk load).
 */
export class Matcher {
  readonly dim: number;
  /** How templates are kept (MatcherOptions.storage). */
  readonly storage: TemplateStorage;
  private readonly codec: RowCodec;
  private readonly rerank: number;
  private readonly log: Logger;
  /** Which templates there are and where their rows live (template-table.ts). */
  private readonly table: TemplateTable;
  /** Candidates to answers: removed ones dropped, near-ties settled, one per person (rerank.ts). */
  private readonly reranker: Reranker;
  /** Keeps the int8 scan sessions in step with the table (reindexer.ts). */
  private readonly reindexer: Reindexer;
  private closed = false;

  constructor(options: MatcherOptions = {}) {
    this.dim = options.dim ?? 512;
    this.storage = options.storage ?? 'float16';
    this.codec = rowCodec(this.storage);
    if (options.exactTemplates !== undefined && typeof options.exactTemplates !== 'function') {
      throw new TypeError('exactTemplates must be a function');
    }
    this.rerank = options.rerank ?? 32;
    const segmentSize = options.segmentSize ?? 16_384;
    const threads = options.threads ?? 1;
    const reindexDelayMs = options.reindexDelayMs ?? 250;
    const maxPendingRows = options.maxPendingRows ?? 2048;
    const clock: Clock = options.clock ?? systemClock;
    this.log = child(options.logger ?? silentLogger(), 'vision:matcher');
    const fastPath = options.fastPath ?? 'onnx';
    if (fastPath !== 'onnx' && fastPath !== 'float') throw new TypeError(`fastPath must be 'onnx' or 'float', got ${String(fastPath)}`);
    for (const [name, value, min] of [
      ['dim', this.dim, 1],
      ['rerank', this.rerank, 1],
      ['segmentSize', segmentSize, 1],
      ['threads', threads, 1],
      ['reindexDelayMs', reindexDelayMs, 0],
      ['maxPendingRows', maxPendingRows, 1],
    ] as const) {
      if (!Number.isInteger(value) || value < min) throw new TypeError(`Matcher: ${name} must be an integer >= ${min}, got ${value}`);
    }
    this.table = new TemplateTable(this.codec, this.dim, segmentSize);
    this.reranker = new Reranker(this.table, this.codec, this.dim, options.exactTemplates, this.log);
    this.reindexer = new Reindexer(this.table, {
      dim: this.dim,
      segmentSize,
      threads,
      reindexDelayMs,
      maxPendingRows,
      useIndex: fastPath === 'onnx',
      clock,
      log: this.log,
    });
  }

  /** Templates in the gallery. */
  get size(): number {
    return this.table.size;
  }

  /** People with at least one template. */
  get personCount(): number {
    return this.table.personCount;
  }

  /** Whether searches use the onnxruntime int8 scan (false with fastPath 'float', or after it failed to load). */
  get fastPathActive(): boolean {
    return this.reindexer.useIndex;
  }

  /** Layout figures, for logs and the bench. */
  get stats(): { segments: number; indexedRows: number; pendingRows: number; tombstones: number } {
    return this.table.stats;
  }

  /** How often the float16 re-rank needed (or would have needed) exact templates, since the matcher was made. */
  get rerankStats(): RerankStats {
    return this.reranker.stats;
  }

  has(templateId: string): boolean {
    return typeof templateId === 'string' && this.table.templateIds.has(templateId);
  }

  /** Every template id in the gallery (do not change the gallery while iterating). */
  templateIds(): IterableIterator<string> {
    return this.table.templateIds.values();
  }

  /** The template ids of a person, in the order they were added (empty when unknown). */
  templatesOf(personId: string): string[] {
    return this.table.templatesOf(personId);
  }

  /**
   * Adds a template (copied and L2-normalised). Throws MatcherError
   * DUPLICATE_TEMPLATE, BAD_ID, DIMENSION_MISMATCH or BAD_VECTOR.
   */
  add(templateId: string, personId: string, template: ArrayLike<number>): void {
    this.assertOpen();
    checkId(templateId, 'templateId');
    checkId(personId, 'personId');
    this.table.assertNew(templateId);
    // Normalised straight into the segment: no per-template garbage on a bulk load.
    const scale = inverseNorm(template, this.dim, `template ${templateId}`);
    this.table.insert(templateId, personId, template, scale);
    this.reindexer.changed();
  }

  /** Removes one template. Returns false when the gallery does not hold it. */
  remove(templateId: string): boolean {
    this.assertOpen();
    if (!this.table.remove(templateId)) return false;
    this.reindexer.changed();
    return true;
  }

  /** Removes every template of a person. Returns how many were removed. */
  removePerson(personId: string): number {
    let removed = 0;
    for (const id of this.templatesOf(personId)) if (this.remove(id)) removed++;
    return removed;
  }

  /**
   * The `k` best-matching people, best first, each with their best template and
   * its score (see SearchHit.score). Empty when the gallery is. Throws
   * MatcherError DIMENSION_MISMATCH or BAD_VECTOR for a bad query, CLOSED after close().
   */
  async search(embedding: ArrayLike<number>, k = 1): Promise<SearchHit[]> {
    this.assertOpen();
    checkK(k);
    const q = normalised(embedding, this.dim, 'query');
    if (this.size === 0) return [];
    if (!this.reindexer.useIndex) return this.fullSearch(q, k);

    let scored: Scored[];
    try {
      scored = await int8Scan(this.table.segments, this.codec, q, this.dim, this.candidatesFor(k));
    } catch (err) {
      this.log.error({ err }, 'int8 scan failed; answering with the full scan');
      return this.fullSearch(q, k);
    }
    if (this.closed) throw new MatcherError('CLOSED', 'matcher is closed');
    return this.reranker.answer(q, scored, k);
  }

  /**
   * `search` by a float scan of every stored template in JavaScript (no int8
   * candidate step), with the same re-rank rules.
   */
  searchExact(embedding: ArrayLike<number>, k = 1): SearchHit[] {
    this.assertOpen();
    checkK(k);
    const q = normalised(embedding, this.dim, 'query');
    return this.size === 0 ? [] : this.fullSearch(q, k);
  }

  /**
   * 1:1: the person's best template against the embedding (scored like search).
   * Null when the person has no template. The caller decides with its threshold.
   */
  verify(personId: string, embedding: ArrayLike<number>): VerifyResult | null {
    this.assertOpen();
    const q = normalised(embedding, this.dim, 'query');
    const { table } = this;
    const person = typeof personId === 'string' ? table.personIds.find(personId) : -1;
    if (person < 0) return null;
    let bestSlot = NONE;
    let bestScore = -Infinity;
    for (let s = table.personFirst[person]!; s !== NONE; s = table.slotNext[s]!) {
      const score = this.codec.dot(q, table.slotSegment[s]!.rows, table.slotRow[s]!, this.dim);
      if (bestSlot === NONE || score > bestScore) {
        bestSlot = s;
        bestScore = score;
      }
    }
    return { personId, templateId: table.templateIds.value(bestSlot), score: bestScore };
  }

  /** Compacts and indexes every changed segment now; resolves when searches use the index for all rows. */
  async flush(): Promise<void> {
    if (this.closed) return;
    await this.reindexer.flush();
  }

  /** Releases the onnxruntime sessions. Afterwards every call throws MatcherError CLOSED; close() again does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reindexer.stop();
    await Promise.all(this.table.segments.map((s) => s.index?.release()));
    this.table.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new MatcherError('CLOSED', 'matcher is closed');
  }

  /**
   * Candidates to re-rank for `k` people: enough that the best templates of the
   * k best people are among them even when better templates belong to fewer people.
   */
  private candidatesFor(k: number): number {
    return Math.min(this.size, Math.max(this.rerank, k * this.table.templatesPerPersonMax()));
  }

  /** The best `candidatesFor(k)` rows by a full scan, then the same answer as `search`. */
  private fullSearch(q: Float32Array, k: number): SearchHit[] {
    return this.reranker.answer(q, fullScan(this.table.segments, this.codec, q, this.dim, this.candidatesFor(k)), k);
  }
}
