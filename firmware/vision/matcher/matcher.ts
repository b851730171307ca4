import { systemClock, type Clock, type TimerHandle } from '../../../hal/clock.js';
import { child, silentLogger, type Logger } from '../../log.js';
import { MatcherError } from './errors.js';
import { quantiseQuery } from './quantize.js';
import { Segment } from './segment.js';
import { SegmentIndex, type SegmentScan } from './segment-index.js';
import { dotRow, inverseNorm, normalised } from './vector.js';

export interface SearchHit {
  personId: string;
  templateId: string;
  /** Cosine similarity of the query and this template, exact float. */
  score: number;
}

export type VerifyResult = SearchHit;

export interface MatcherOptions {
  /** Template length. Default 512. */
  dim?: number;
  /**
   * 'onnx' (default): int8 candidate scan in onnxruntime, then exact float re-rank.
   * 'float': exact float scan in JavaScript only.
   */
  fastPath?: 'onnx' | 'float';
  /** Candidates the int8 scan passes to the exact re-rank (at least). Default 32. */
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

interface TemplateRecord {
  personId: string;
  segment: Segment;
  row: number;
}

interface PersonRecord {
  index: number;
  templates: Set<string>;
}

interface Scored {
  templateId: string;
  score: number;
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
 * rows added since the last indexing are scored exactly, and the candidates are
 * re-ranked with exact float dot products, so every returned score is exact and
 * the top result equals the exact search's whenever the true best template is
 * among the candidates (the bench measures how often; quantisation error is far
 * below the gap the re-rank covers).
 *
 * Changes are cheap: `add` appends to a segment and `remove` leaves a tombstone.
 * After `reindexDelayMs` without changes (or at once past `maxPendingRows`) each
 * changed segment alone is compacted and re-indexed; searches stay exact meanwhile.
 * `flush()` does that immediately (after a bulk load).
 */
export class Matcher {
  readonly dim: number;
  private readonly rerank: number;
  private readonly segmentSize: number;
  private readonly threads: number;
  private readonly reindexDelayMs: number;
  private readonly maxPendingRows: number;
  private readonly clock: Clock;
  private readonly log: Logger;
  private useIndex: boolean;

  private segments: Segment[] = [];
  private readonly templates = new Map<string, TemplateRecord>();
  private readonly persons = new Map<string, PersonRecord>();
  private personNames: Array<string | undefined> = [];
  private freePersonIndexes: number[] = [];
  private maxPerPerson = 0;
  private maxPerPersonStale = false;

  private timer: TimerHandle | null = null;
  private lastChangeAt = 0;
  /** Changes since the last re-index started, to re-index early during bulk adds. */
  private pendingChanges = 0;
  private maintenance: Promise<void> | null = null;
  private maintainAgain = false;
  private closed = false;

  constructor(options: MatcherOptions = {}) {
    this.dim = options.dim ?? 512;
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
  }

  /** Templates in the gallery. */
  get size(): number {
    return this.templates.size;
  }

  /** People with at least one template. */
  get personCount(): number {
    return this.persons.size;
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

  has(templateId: string): boolean {
    return this.templates.has(templateId);
  }

  /** The template ids of a person (empty when unknown). */
  templatesOf(personId: string): string[] {
    return [...(this.persons.get(personId)?.templates ?? [])];
  }

  /**
   * Adds a template (copied and L2-normalised). Throws MatcherError
   * DUPLICATE_TEMPLATE, BAD_ID, DIMENSION_MISMATCH or BAD_VECTOR.
   */
  add(templateId: string, personId: string, template: ArrayLike<number>): void {
    this.assertOpen();
    checkId(templateId, 'templateId');
    checkId(personId, 'personId');
    if (this.templates.has(templateId)) throw new MatcherError('DUPLICATE_TEMPLATE', `template ${templateId} is already in the gallery`);
    // Normalised straight into the segment: no per-template garbage on a bulk load.
    const scale = inverseNorm(template, this.dim, `template ${templateId}`);
    const person = this.personFor(personId);
    const segment = this.segmentWithRoom();
    const row = segment.append(templateId, person.index, template, scale);
    person.templates.add(templateId);
    this.maxPerPerson = Math.max(this.maxPerPerson, person.templates.size);
    this.templates.set(templateId, { personId, segment, row });
    this.scheduleReindex();
  }

  /** Removes one template. Returns false when the gallery does not hold it. */
  remove(templateId: string): boolean {
    this.assertOpen();
    const rec = this.templates.get(templateId);
    if (!rec) return false;
    rec.segment.tombstone(rec.row);
    this.templates.delete(templateId);
    const person = this.persons.get(rec.personId)!;
    person.templates.delete(templateId);
    if (person.templates.size === 0) {
      this.persons.delete(rec.personId);
      this.personNames[person.index] = undefined;
      this.freePersonIndexes.push(person.index);
    }
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
   * its exact cosine score. Empty when the gallery is. Throws MatcherError
   * DIMENSION_MISMATCH or BAD_VECTOR for a bad query, CLOSED after close().
   */
  async search(embedding: ArrayLike<number>, k = 1): Promise<SearchHit[]> {
    this.assertOpen();
    checkK(k);
    const q = normalised(embedding, this.dim, 'query');
    if (this.templates.size === 0) return [];
    if (!this.useIndex) return this.exactSearch(q, k);

    const want = Math.min(this.templates.size, Math.max(this.rerank, k * this.templatesPerPersonMax()));
    const query = quantiseQuery(q);
    const scored: Scored[] = [];
    const scans: Array<Promise<{ scan: SegmentScan; ids: Array<string | null>; rows: Float32Array }>> = [];
    // Everything is captured synchronously, so a re-index finishing mid-search
    // cannot mix row numbers of two layouts.
    for (const seg of this.segments) {
      const { ids, rows } = seg;
      for (let r = seg.indexed; r < seg.count; r++) {
        const id = ids[r];
        if (id != null) scored.push({ templateId: id, score: dotRow(q, rows, r, this.dim) });
      }
      if (seg.index && seg.indexed > 0) {
        scans.push(seg.index.scan(query, want + seg.tombstones).then((scan) => ({ scan, ids, rows })));
      }
    }
    let results: Array<{ scan: SegmentScan; ids: Array<string | null>; rows: Float32Array }>;
    try {
      results = await Promise.all(scans);
    } catch (err) {
      this.log.error({ err }, 'int8 scan failed; answering with the exact scan');
      return this.exactSearch(q, k);
    }
    if (this.closed) throw new MatcherError('CLOSED', 'matcher is closed');

    const candidates: Array<{ approx: number; id: string; rows: Float32Array; row: number }> = [];
    for (const { scan, ids, rows } of results) {
      for (let i = 0; i < scan.rows.length; i++) {
        const row = scan.rows[i]!;
        const id = ids[row];
        if (id != null) candidates.push({ approx: scan.scores[i]!, id, rows, row });
      }
    }
    candidates.sort((a, b) => b.approx - a.approx);
    const top = candidates.length > want ? candidates.slice(0, want) : candidates;
    for (const c of top) scored.push({ templateId: c.id, score: dotRow(q, c.rows, c.row, this.dim) });
    return this.bestPerPerson(scored, k);
  }

  /** `search` by exact float scan of every template, in JavaScript. */
  searchExact(embedding: ArrayLike<number>, k = 1): SearchHit[] {
    this.assertOpen();
    checkK(k);
    const q = normalised(embedding, this.dim, 'query');
    return this.templates.size === 0 ? [] : this.exactSearch(q, k);
  }

  /**
   * 1:1: the person's best template against the embedding, exact float. Null
   * when the person has no template. The caller decides with its threshold.
   */
  verify(personId: string, embedding: ArrayLike<number>): VerifyResult | null {
    this.assertOpen();
    const q = normalised(embedding, this.dim, 'query');
    const person = this.persons.get(personId);
    if (!person) return null;
    let best: VerifyResult | null = null;
    for (const templateId of person.templates) {
      const rec = this.templates.get(templateId)!;
      const score = dotRow(q, rec.segment.rows, rec.row, this.dim);
      if (!best || score > best.score) best = { personId, templateId, score };
    }
    return best;
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
    this.templates.clear();
    this.persons.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new MatcherError('CLOSED', 'matcher is closed');
  }

  private personFor(personId: string): PersonRecord {
    let person = this.persons.get(personId);
    if (!person) {
      const index = this.freePersonIndexes.pop() ?? this.personNames.length;
      this.personNames[index] = personId;
      person = { index, templates: new Set() };
      this.persons.set(personId, person);
    }
    return person;
  }

  private segmentWithRoom(): Segment {
    for (let i = this.segments.length - 1; i >= 0; i--) if (this.segments[i]!.hasRoom) return this.segments[i]!;
    const seg = new Segment(this.dim, this.segmentSize);
    this.segments.push(seg);
    return seg;
  }

  private templatesPerPersonMax(): number {
    if (this.maxPerPersonStale) {
      let max = 0;
      for (const p of this.persons.values()) max = Math.max(max, p.templates.size);
      this.maxPerPerson = max;
      this.maxPerPersonStale = false;
    }
    return Math.max(1, this.maxPerPerson);
  }

  private bestPerPerson(scored: Scored[], k: number): SearchHit[] {
    const best = new Map<string, SearchHit>();
    for (const { templateId, score } of scored) {
      // A template removed while the scan ran is no longer an answer.
      const rec = this.templates.get(templateId);
      if (!rec) continue;
      const prev = best.get(rec.personId);
      if (!prev || score > prev.score) best.set(rec.personId, { personId: rec.personId, templateId, score });
    }
    return [...best.values()].sort((a, b) => b.score - a.score).slice(0, k);
  }

  private exactSearch(q: Float32Array, k: number): SearchHit[] {
    const n = this.personNames.length;
    const best = new Float64Array(n).fill(-Infinity);
    const bestSeg = new Int32Array(n);
    const bestRow = new Int32Array(n);
    const { dim } = this;
    for (let s = 0; s < this.segments.length; s++) {
      const { ids, rows, persons, count } = this.segments[s]!;
      for (let r = 0; r < count; r++) {
        if (ids[r] == null) continue;
        const score = dotRow(q, rows, r, dim);
        const p = persons[r]!;
        if (score > best[p]!) {
          best[p] = score;
          bestSeg[p] = s;
          bestRow[p] = r;
        }
      }
    }
    // Keep the k best people in a small sorted list.
    const top: number[] = [];
    for (let p = 0; p < n; p++) {
      const score = best[p]!;
      if (score === -Infinity) continue;
      if (top.length === k && score <= best[top[k - 1]!]!) continue;
      let i = Math.min(top.length, k - 1);
      while (i > 0 && best[top[i - 1]!]! < score) i--;
      top.splice(i, 0, p);
      if (top.length > k) top.pop();
    }
    return top.map((p) => ({
      personId: this.personNames[p]!,
      templateId: this.segments[bestSeg[p]!]!.ids[bestRow[p]!]!,
      score: best[p]!,
    }));
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
        for (let r = 0; r < compact.count; r++) this.templates.get(compact.ids[r]!)!.row = r;
      }
      await old?.release();
    }
    this.log.debug({ rows: seg.count, ms: this.clock.now() - started }, 'segment re-indexed');
  }

  private async buildIndex(rows: Float32Array, count: number): Promise<SegmentIndex | null> {
    if (!this.useIndex || count === 0) return null;
    try {
      return await SegmentIndex.build(rows, count, this.dim, { threads: this.threads });
    } catch (err) {
      // Without onnxruntime the matcher still answers, by exact scan.
      this.log.error({ err }, 'cannot build the int8 scan; falling back to exact float search');
      this.useIndex = false;
      return null;
    }
  }
}
