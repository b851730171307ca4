import { systemClock, type Clock, type TimerHandle } from '../../../hal/clock.js';
import { child, silentLogger, type Logger } from '../../log.js';
import { MatcherError } from './errors.js';
import { halfErrorBoundMax } from './float16.js';
import { IdTable } from './id-table.js';
import { quantiseQuery } from './quantize.js';
import { rowCodec, type RowCodec, type Rows, type TemplateStorage } from './row-codec.js';
import { Segment, TOMBSTONE } from './segment.js';
import { SegmentIndex, type SegmentScan } from './segment-index.js';
import { dotRow, inverseNorm, normalised } from './vector.js';

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

/** A candidate: its template (slot + serial, checked again before answering), its score, and where its row was when scored. */
interface Scored {
  slot: number;
  serial: number;
  score: number;
  rows: Rows;
  row: number;
}

/** What a search captures of a segment before it awaits the scan. */
interface Captured {
  slots: Int32Array;
  serials: Int32Array;
  rows: Rows;
}

const NONE = -1;

function grownInt32(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const out = new Int32Array(Math.max(need, a.length * 2));
  out.set(a);
  return out;
}

const MAX_ID_LENGTH = 128;

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
  private readonly exactTemplates: ExactTemplateSource | undefined;
  private readonly rerank: number;
  private readonly segmentSize: number;
  private readonly threads: number;
  private readonly reindexDelayMs: number;
  private readonly maxPendingRows: number;
  private readonly clock: Clock;
  private readonly log: Logger;
  private useIndex: boolean;

  private segments: Segment[] = [];

  // Templates by "slot", the handle of their id in `templateIdTable`: a small
  // integer, reused after removal, that indexes typed arrays instead of an
  // object per template.
  private readonly templateIdTable = new IdTable(MAX_ID_LENGTH);
  private slotSegment: Array<Segment | undefined> = [];
  private slotRow = new Int32Array(1024);
  private slotPerson = new Int32Array(1024);
  private slotSerial = new Int32Array(1024);
  /** Next slot of the same person (NONE at the end): each person's templates form a list. */
  private slotNext = new Int32Array(1024);
  /** Numbers every add, so a reused slot is told apart from the template a search saw there. */
  private nextSerial = 0;

  // People by the handle of their id, likewise.
  private readonly personIdTable = new IdTable(MAX_ID_LENGTH);
  private personFirst = new Int32Array(1024);
  private personSize = new Int32Array(1024);
  private maxPerPerson = 0;
  private maxPerPersonStale = false;

  private readonly rerankCounts: RerankStats = { searches: 0, ambiguous: 0, resolved: 0 };
  /** Scratch row for re-scoring a template exactly. */
  private readonly exactRow: Float32Array;

  private timer: TimerHandle | null = null;
  private lastChangeAt = 0;
  /** Changes since the last re-index started, to re-index early during bulk adds. */
  private pendingChanges = 0;
  private maintenance: Promise<void> | null = null;
  private maintainAgain = false;
  /** Quantisation buffer shared by the index builds of one maintenance run (they run one at a time). */
  private indexScratch: Uint8Array | null = null;
  private closed = false;

  constructor(options: MatcherOptions = {}) {
    this.dim = options.dim ?? 512;
    this.storage = options.storage ?? 'float16';
    this.codec = rowCodec(this.storage);
    if (options.exactTemplates !== undefined && typeof options.exactTemplates !== 'function') {
      throw new TypeError('exactTemplates must be a function');
    }
    this.exactTemplates = options.exactTemplates;
    this.rerank = options.rerank ?? 32;
    this.segmentSize = options.segmentSize ?? 16_384;
    this.threads = options.threads ?? 1;
    this.reindexDelayMs = options.reindexDelayMs ?? 250;
    this.maxPendingRows = options.maxPendingRows ?? 2048;
    this.clock = options.clock ?? systemClock;
    this.log = child(options.logger ?? silentLogger(), 'vision:matcher');
    const fastPath = options.fastPath ?? 'onnx';
    if (fastPath !== 'onnx' && fastPath !== 'float') throw new TypeError(`fastPath must be 'onnx' or 'float', got ${String(fastPath)}`);
    this.useIndex = fastPath === 'onnx';
    for (const [name, value, min] of [
      ['dim', this.dim, 1],
      ['rerank', this.rerank, 1],
      ['segmentSize', this.segmentSize, 1],
      ['threads', this.threads, 1],
      ['reindexDelayMs', this.reindexDelayMs, 0],
      ['maxPendingRows', this.maxPendingRows, 1],
    ] as const) {
      if (!Number.isInteger(value) || value < min) throw new TypeError(`Matcher: ${name} must be an integer >= ${min}, got ${value}`);
    }
    this.exactRow = new Float32Array(this.dim);
  }

  /** Templates in the gallery. */
  get size(): number {
    return this.templateIdTable.size;
  }

  /** People with at least one template. */
  get personCount(): number {
    return this.personIdTable.size;
  }

  /** Whether searches use the onnxruntime int8 scan (false with fastPath 'float', or after it failed to load). */
  get fastPathActive(): boolean {
    return this.useIndex;
  }

  /** Layout figures, for logs and the bench. */
  get stats(): { segments: number; indexedRows: number; pendingRows: number; tombstones: number } {
    let indexedRows = 0;
    let pendingRows = 0;
    let tombstones = 0;
    for (const s of this.segments) {
      indexedRows += s.indexed;
      pendingRows += s.count - s.indexed;
      tombstones += s.tombstones;
    }
    return { segments: this.segments.length, indexedRows, pendingRows, tombstones };
  }

  /** How often the float16 re-rank needed (or would have needed) exact templates, since the matcher was made. */
  get rerankStats(): RerankStats {
    return { ...this.rerankCounts };
  }

  has(templateId: string): boolean {
    return typeof templateId === 'string' && this.templateIdTable.has(templateId);
  }

  /** Every template id in the gallery (do not change the gallery while iterating). */
  templateIds(): IterableIterator<string> {
    return this.templateIdTable.values();
  }

  /** The template ids of a person, in the order they were added (empty when unknown). */
  templatesOf(personId: string): string[] {
    const out: string[] = [];
    if (typeof personId !== 'string') return out;
    const person = this.personIdTable.find(personId);
    if (person < 0) return out;
    for (let s = this.personFirst[person]!; s !== NONE; s = this.slotNext[s]!) out.push(this.templateIdTable.value(s));
    return out.reverse();
  }

  /**
   * Adds a template (copied and L2-normalised). Throws MatcherError
   * DUPLICATE_TEMPLATE, BAD_ID, DIMENSION_MISMATCH or BAD_VECTOR.
   */
  add(templateId: string, personId: string, template: ArrayLike<number>): void {
    this.assertOpen();
    checkId(templateId, 'templateId');
    checkId(personId, 'personId');
    if (this.templateIdTable.has(templateId)) throw new MatcherError('DUPLICATE_TEMPLATE', `template ${templateId} is already in the gallery`);
    // Normalised straight into the segment: no per-template garbage on a bulk load.
    const scale = inverseNorm(template, this.dim, `template ${templateId}`);
    const person = this.personFor(personId);
    const slot = this.templateIdTable.insert(templateId);
    if (slot >= this.slotRow.length) {
      this.slotRow = grownInt32(this.slotRow, slot + 1);
      this.slotPerson = grownInt32(this.slotPerson, slot + 1);
      this.slotSerial = grownInt32(this.slotSerial, slot + 1);
      this.slotNext = grownInt32(this.slotNext, slot + 1);
    }
    const serial = (this.nextSerial = (this.nextSerial + 1) | 0);
    const segment = this.segmentWithRoom();
    this.slotSegment[slot] = segment;
    this.slotRow[slot] = segment.append(slot, serial, person, template, scale);
    this.slotSerial[slot] = serial;
    this.slotPerson[slot] = person;
    this.slotNext[slot] = this.personFirst[person]!;
    this.personFirst[person] = slot;
    const size = ++this.personSize[person]!;
    if (size > this.maxPerPerson) this.maxPerPerson = size;
    this.scheduleReindex();
  }

  /** Removes one template. Returns false when the gallery does not hold it. */
  remove(templateId: string): boolean {
    this.assertOpen();
    const slot = typeof templateId === 'string' ? this.templateIdTable.find(templateId) : -1;
    if (slot < 0) return false;
    this.slotSegment[slot]!.tombstone(this.slotRow[slot]!);
    this.slotSegment[slot] = undefined;
    this.templateIdTable.remove(slot);

    const person = this.slotPerson[slot]!;
    if (this.personFirst[person] === slot) {
      this.personFirst[person] = this.slotNext[slot]!;
    } else {
      let s = this.personFirst[person]!;
      while (this.slotNext[s] !== slot) s = this.slotNext[s]!;
      this.slotNext[s] = this.slotNext[slot]!;
    }
    if (--this.personSize[person]! === 0) this.personIdTable.remove(person);
    this.maxPerPersonStale = true;
    this.scheduleReindex();
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
    if (!this.useIndex) return this.exactSearch(q, k);

    const want = this.candidatesFor(k);
    const query = quantiseQuery(q);
    const { codec, dim } = this;
    const scored: Scored[] = [];
    const scans: Array<Promise<{ scan: SegmentScan; at: Captured }>> = [];
    // Everything is captured synchronously, so a re-index finishing mid-search
    // cannot mix row numbers of two layouts.
    for (const seg of this.segments) {
      const at: Captured = { slots: seg.slots, serials: seg.serials, rows: seg.rows };
      for (let r = seg.indexed; r < seg.count; r++) {
        const slot = at.slots[r]!;
        if (slot !== TOMBSTONE) scored.push({ slot, serial: at.serials[r]!, score: codec.dot(q, at.rows, r, dim), rows: at.rows, row: r });
      }
      if (seg.index && seg.indexed > 0) {
        scans.push(seg.index.scan(query, want + seg.tombstones).then((scan) => ({ scan, at })));
      }
    }
    let results: Array<{ scan: SegmentScan; at: Captured }>;
    try {
      results = await Promise.all(scans);
    } catch (err) {
      this.log.error({ err }, 'int8 scan failed; answering with the full scan');
      return this.exactSearch(q, k);
    }
    if (this.closed) throw new MatcherError('CLOSED', 'matcher is closed');

    const candidates: Array<{ approx: number; at: Captured; row: number }> = [];
    for (const { scan, at } of results) {
      for (let i = 0; i < scan.rows.length; i++) {
        const row = scan.rows[i]!;
        if (at.slots[row] !== TOMBSTONE) candidates.push({ approx: scan.scores[i]!, at, row });
      }
    }
    candidates.sort((a, b) => b.approx - a.approx);
    const top = candidates.length > want ? candidates.slice(0, want) : candidates;
    for (const { at, row } of top) {
      scored.push({ slot: at.slots[row]!, serial: at.serials[row]!, score: codec.dot(q, at.rows, row, dim), rows: at.rows, row });
    }
    return this.answer(q, scored, k);
  }

  /**
   * `search` by a float scan of every stored template in JavaScript (no int8
   * candidate step), with the same re-rank rules.
   */
  searchExact(embedding: ArrayLike<number>, k = 1): SearchHit[] {
    this.assertOpen();
    checkK(k);
    const q = normalised(embedding, this.dim, 'query');
    return this.size === 0 ? [] : this.exactSearch(q, k);
  }

  /**
   * 1:1: the person's best template against the embedding (scored like search).
   * Null when the person has no template. The caller decides with its threshold.
   */
  verify(personId: string, embedding: ArrayLike<number>): VerifyResult | null {
    this.assertOpen();
    const q = normalised(embedding, this.dim, 'query');
    const person = typeof personId === 'string' ? this.personIdTable.find(personId) : -1;
    if (person < 0) return null;
    let bestSlot = NONE;
    let bestScore = -Infinity;
    for (let s = this.personFirst[person]!; s !== NONE; s = this.slotNext[s]!) {
      const score = this.codec.dot(q, this.slotSegment[s]!.rows, this.slotRow[s]!, this.dim);
      if (bestSlot === NONE || score > bestScore) {
        bestSlot = s;
        bestScore = score;
      }
    }
    return { personId, templateId: this.templateIdTable.value(bestSlot), score: bestScore };
  }

  /** Compacts and indexes every changed segment now; resolves when searches use the index for all rows. */
  async flush(): Promise<void> {
    this.timer?.cancel();
    this.timer = null;
    // A run already in progress may have passed segments changed since it began.
    for (let round = 0; round < 8 && !this.closed && this.segments.some((s) => this.isDirty(s)); round++) {
      await this.maintain();
    }
  }

  /** Releases the onnxruntime sessions. Afterwards every call throws MatcherError CLOSED; close() again does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    await this.maintenance?.catch(() => {});
    await Promise.all(this.segments.map((s) => s.index?.release()));
    this.segments = [];
    this.templateIdTable.clear();
    this.slotSegment = [];
    this.personIdTable.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new MatcherError('CLOSED', 'matcher is closed');
  }

  private personFor(personId: string): number {
    let person = this.personIdTable.find(personId);
    if (person < 0) {
      person = this.personIdTable.insert(personId);
      this.personFirst = grownInt32(this.personFirst, person + 1);
      this.personSize = grownInt32(this.personSize, person + 1);
      this.personFirst[person] = NONE;
      this.personSize[person] = 0;
    }
    return person;
  }

  /** Whether the template a search saw in `slot` under `serial` is still in the gallery. */
  private isCurrent(slot: number, serial: number): boolean {
    return this.slotSegment[slot] !== undefined && this.slotSerial[slot] === serial;
  }

  private segmentWithRoom(): Segment {
    for (let i = this.segments.length - 1; i >= 0; i--) if (this.segments[i]!.hasRoom) return this.segments[i]!;
    const seg = new Segment(this.codec, this.dim, this.segmentSize);
    this.segments.push(seg);
    return seg;
  }

  private templatesPerPersonMax(): number {
    if (this.maxPerPersonStale) {
      let max = 0;
      for (let p = 0; p < this.personIdTable.handleLimit; p++) max = Math.max(max, this.personSize[p]!);
      this.maxPerPerson = max;
      this.maxPerPersonStale = false;
    }
    return Math.max(1, this.maxPerPerson);
  }

  /**
   * Candidates to re-rank for `k` people: enough that the best templates of the
   * k best people are among them even when better templates belong to fewer people.
   */
  private candidatesFor(k: number): number {
    return Math.min(this.size, Math.max(this.rerank, k * this.templatesPerPersonMax()));
  }

  /** The best `candidatesFor(k)` rows by a full scan, then the same answer as `search`. */
  private exactSearch(q: Float32Array, k: number): SearchHit[] {
    const want = this.candidatesFor(k);
    const { codec, dim } = this;
    // A min-heap of the best rows so far: the root is the weakest kept.
    const heapScore = new Float64Array(want);
    const heapSeg = new Int32Array(want);
    const heapRow = new Int32Array(want);
    let n = 0;
    for (let s = 0; s < this.segments.length; s++) {
      const { slots, rows, count } = this.segments[s]!;
      for (let r = 0; r < count; r++) {
        if (slots[r] === TOMBSTONE) continue;
        const score = codec.dot(q, rows, r, dim);
        let i: number;
        if (n < want) {
          // Sift up from the new leaf.
          i = n++;
          while (i > 0) {
            const parent = (i - 1) >> 1;
            if (heapScore[parent]! <= score) break;
            heapScore[i] = heapScore[parent]!;
            heapSeg[i] = heapSeg[parent]!;
            heapRow[i] = heapRow[parent]!;
            i = parent;
          }
        } else if (score > heapScore[0]!) {
          // Replace the root and sift down.
          i = 0;
          for (;;) {
            const left = 2 * i + 1;
            if (left >= n) break;
            const c = left + 1 < n && heapScore[left + 1]! < heapScore[left]! ? left + 1 : left;
            if (heapScore[c]! >= score) break;
            heapScore[i] = heapScore[c]!;
            heapSeg[i] = heapSeg[c]!;
            heapRow[i] = heapRow[c]!;
            i = c;
          }
        } else {
          continue;
        }
        heapScore[i] = score;
        heapSeg[i] = s;
        heapRow[i] = r;
      }
    }
    const scored: Scored[] = [];
    for (let i = 0; i < n; i++) {
      const seg = this.segments[heapSeg[i]!]!;
      const row = heapRow[i]!;
      scored.push({ slot: seg.slots[row]!, serial: seg.serials[row]!, score: heapScore[i]!, rows: seg.rows, row });
    }
    return this.answer(q, scored, k);
  }

  /** Settles near-ties at the top, then keeps each person's best template: the k best people. */
  private answer(q: Float32Array, scored: Scored[], k: number): SearchHit[] {
    // A template removed while the scan ran is no longer an answer.
    const live = scored.filter((c) => this.isCurrent(c.slot, c.serial));
    live.sort((a, b) => b.score - a.score);
    this.rerankCounts.searches++;
    if (live.length > 1 && this.storage === 'float16' && this.settleTop(q, live)) live.sort((a, b) => b.score - a.score);

    const hits: SearchHit[] = [];
    const seen = new Set<number>();
    for (const c of live) {
      const person = this.slotPerson[c.slot]!;
      if (seen.has(person)) continue;
      seen.add(person);
      hits.push({ personId: this.personIdTable.value(person), templateId: this.templateIdTable.value(c.slot), score: c.score });
      if (hits.length === k) break;
    }
    return hits;
  }

  /**
   * With float16 rows, checks that no candidate's score could exceed the best
   * one's once both are computed in float32 (their error bounds do not overlap).
   * When some could, re-scores the overlapping ones from `exactTemplates`.
   * Returns whether any score changed. `live` is sorted best first.
   */
  private settleTop(q: Float32Array, live: Scored[]): boolean {
    const { codec, dim } = this;
    let queryL1 = 0;
    for (let j = 0; j < dim; j++) queryL1 += Math.abs(q[j]!);
    const best = live[0]!;
    const floor = best.score - codec.errorBound(q, queryL1, best.rows, best.row, dim);
    const widest = halfErrorBoundMax(queryL1);
    const close: Scored[] = [best];
    for (let i = 1; i < live.length; i++) {
      const c = live[i]!;
      if (c.score + widest < floor) break;
      if (c.score + codec.errorBound(q, queryL1, c.rows, c.row, dim) >= floor) close.push(c);
    }
    if (close.length === 1) return false;
    this.rerankCounts.ambiguous++;
    if (!this.exactTemplates) return false;
    let templates: ReadonlyArray<ArrayLike<number> | null | undefined>;
    try {
      templates = this.exactTemplates(close.map((c) => this.templateIdTable.value(c.slot)));
    } catch (err) {
      this.log.warn({ err }, 'exactTemplates failed; keeping the float16 order');
      return false;
    }
    let changed = false;
    for (let i = 0; i < close.length; i++) {
      const exact = this.exactScore(q, templates[i]);
      if (exact === null) continue;
      close[i]!.score = exact;
      changed = true;
    }
    if (changed) this.rerankCounts.resolved++;
    return changed;
  }

  /** The float32 score a gallery with float32 storage would give `template` (null when it is unusable). */
  private exactScore(q: Float32Array, template: ArrayLike<number> | null | undefined): number | null {
    if (template == null) return null;
    let scale: number;
    try {
      scale = inverseNorm(template, this.dim, 'exact template');
    } catch {
      return null;
    }
    const row = this.exactRow;
    for (let i = 0; i < this.dim; i++) row[i] = template[i]! * scale;
    return dotRow(q, row, 0, this.dim);
  }

  private isDirty(seg: Segment): boolean {
    return seg.tombstones > 0 || (this.useIndex && seg.indexed < seg.count);
  }

  /**
   * Debounces re-indexing: one timer, re-armed only when it fires before the
   * quiet period since the last change is over (so a bulk add costs no timer churn).
   */
  private scheduleReindex(): void {
    if (this.closed) return;
    this.lastChangeAt = this.clock.now();
    this.pendingChanges++;
    if (this.useIndex && this.pendingChanges >= this.maxPendingRows) {
      this.pendingChanges = 0;
      this.armTimer(0);
    } else if (!this.timer) {
      this.armTimer(this.reindexDelayMs);
    }
  }

  private armTimer(delayMs: number): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      const quietFor = this.clock.now() - this.lastChangeAt;
      if (delayMs > 0 && quietFor < this.reindexDelayMs) {
        this.armTimer(this.reindexDelayMs - quietFor);
        return;
      }
      this.pendingChanges = 0;
      void this.maintain();
    }, delayMs);
  }

  private maintain(): Promise<void> {
    if (this.maintenance) {
      // Changes that arrive during a run may sit in segments it already passed.
      this.maintainAgain = true;
      return this.maintenance;
    }
    this.maintenance = (async () => {
      do {
        this.maintainAgain = false;
        await this.reindexDirty();
      } while (this.maintainAgain && !this.closed);
    })()
      .catch((err: unknown) => this.log.error({ err }, 'gallery re-index failed'))
      .finally(() => {
        this.maintenance = null;
        this.indexScratch = null;
      });
    return this.maintenance;
  }

  private async reindexDirty(): Promise<void> {
    for (const seg of [...this.segments]) {
      if (this.closed) return;
      if (this.segments.includes(seg) && this.isDirty(seg)) await this.reindex(seg);
    }
  }

  /** Compacts (when it has tombstones) and re-indexes one segment. */
  private async reindex(seg: Segment): Promise<void> {
    const started = this.clock.now();
    if (seg.tombstones === 0) {
      // Appends only: the rows so far keep their places, so an index over them
      // stays valid whatever is appended while it builds.
      const { layout, count } = seg;
      const index = await this.buildIndex(seg.rows, count);
      if (!index) return;
      if (this.closed || seg.layout !== layout || !this.segments.includes(seg)) {
        await index.release();
        return;
      }
      const old = seg.index;
      seg.index = index;
      seg.indexed = count;
      await old?.release();
    } else {
      const { version } = seg;
      const compact = seg.compact();
      const index = compact.count > 0 && this.useIndex ? await this.buildIndex(compact.rows, compact.count) : null;
      if (this.closed || seg.version !== version || !this.segments.includes(seg)) {
        // Changed while building: the next quiet period tries again.
        await index?.release();
        if (!this.closed) this.scheduleReindex();
        return;
      }
      const old = seg.index;
      if (compact.count === 0) {
        this.segments = this.segments.filter((s) => s !== seg);
      } else {
        seg.install(compact, index);
        for (let r = 0; r < compact.count; r++) this.slotRow[compact.slots[r]!] = r;
      }
      await old?.release();
    }
    this.log.debug({ rows: seg.count, ms: this.clock.now() - started }, 'segment re-indexed');
  }

  private async buildIndex(rows: Rows, count: number): Promise<SegmentIndex | null> {
    if (!this.useIndex || count === 0) return null;
    try {
      this.indexScratch ??= new Uint8Array(this.segmentSize * this.dim);
      return await SegmentIndex.build(rows, count, this.dim, { threads: this.threads, scratch: this.indexScratch });
    } catch (err) {
      // Without onnxruntime the matcher still answers, by a full scan.
      this.log.error({ err }, 'cannot build the int8 scan; falling back to the full float scan');
      this.useIndex = false;
      return null;
    }
  }
}
