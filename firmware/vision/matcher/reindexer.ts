import type { Clock, TimerHandle } from '../../../hal/clock.js';
import type { Logger } from '../../log.js';
import type { Rows } from './row-codec.js';
import type { Segment } from './segment.js';
import { SegmentIndex } from './segment-index.js';
import type { TemplateTable } from './template-table.js';

export interface ReindexerOptions {
  dim: number;
  segmentSize: number;
  threads: number;
  reindexDelayMs: number;
  maxPendingRows: number;
  /** Whether to build int8 scan sessions at all (fastPath 'onnx'). */
  useIndex: boolean;
  clock: Clock;
  log: Logger;
}

/**
 * Keeps the int8 scan in step with the table: after `reindexDelayMs` without
 * changes (or at once past `maxPendingRows`) each changed segment alone is
 * compacted and its onnxruntime session rebuilt, one segment at a time.
 * When a session cannot be built it stops indexing for good (`useIndex` false)
 * and the matcher answers by the full scan.
 */
export class Reindexer {
  /** Whether searches may use the int8 scan. */
  useIndex: boolean;
  private readonly o: Omit<ReindexerOptions, 'useIndex'>;
  private timer: TimerHandle | null = null;
  private lastChangeAt = 0;
  /** Changes since the last re-index started, to re-index early during bulk adds. */
  private pendingChanges = 0;
  private maintenance: Promise<void> | null = null;
  private maintainAgain = false;
  /** Quantisation buffer shared by the index builds of one maintenance run (they run one at a time). */
  private indexScratch: Uint8Array | null = null;
  private stopped = false;

  constructor(
    private readonly table: TemplateTable,
    options: ReindexerOptions,
  ) {
    const { useIndex, ...rest } = options;
    this.useIndex = useIndex;
    this.o = rest;
  }

  /**
   * Notes a change. Debounced: one timer, re-armed only when it fires before the
   * quiet period since the last change is over (so a bulk add costs no timer churn).
   */
  changed(): void {
    if (this.stopped) return;
    this.lastChangeAt = this.o.clock.now();
    this.pendingChanges++;
    if (this.useIndex && this.pendingChanges >= this.o.maxPendingRows) {
      this.pendingChanges = 0;
      this.armTimer(0);
    } else if (!this.timer) {
      this.armTimer(this.o.reindexDelayMs);
    }
  }

  /** Compacts and indexes every changed segment now. */
  async flush(): Promise<void> {
    this.timer?.cancel();
    this.timer = null;
    // A run already in progress may have passed segments changed since it began.
    for (let round = 0; round < 8 && !this.stopped && this.table.segments.some((s) => this.isDirty(s)); round++) {
      await this.maintain();
    }
  }

  /** Stops at once (no timer, no further segment), then waits for the segment being re-indexed. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
    await this.maintenance?.catch(() => {});
  }

  private isDirty(seg: Segment): boolean {
    return seg.tombstones > 0 || (this.useIndex && seg.indexed < seg.count);
  }

  private armTimer(delayMs: number): void {
    this.timer?.cancel();
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = null;
      const quietFor = this.o.clock.now() - this.lastChangeAt;
      if (delayMs > 0 && quietFor < this.o.reindexDelayMs) {
        this.armTimer(this.o.reindexDelayMs - quietFor);
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
      } while (this.maintainAgain && !this.stopped);
    })()
      .catch((err: unknown) => this.o.log.error({ err }, 'gallery re-index failed'))
      .finally(() => {
        this.maintenance = null;
        this.indexScratch = null;
      });
    return this.maintenance;
  }

  private async reindexDirty(): Promise<void> {
    for (const seg of [...this.table.segments]) {
      if (this.stopped) return;
      if (this.table.segments.includes(seg) && this.isDirty(seg)) await this.reindex(seg);
    }
  }

  /** Compacts (when it has tombstones) and re-indexes one segment. */
  private async reindex(seg: Segment): Promise<void> {
    const { table } = this;
    const started = this.o.clock.now();
    if (seg.tombstones === 0) {
      // Appends only: the rows so far keep their places, so an index over them
      // stays valid whatever is appended while it builds.
      const { layout, count } = seg;
      const index = await this.buildIndex(seg.rows, count);
      if (!index) return;
      if (this.stopped || seg.layout !== layout || !table.segments.includes(seg)) {
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
      if (this.stopped || seg.version !== version || !table.segments.includes(seg)) {
        // Changed while building: the next quiet period tries again.
        await index?.release();
        if (!this.stopped) this.changed();
        return;
      }
      const old = seg.index;
      if (compact.count === 0) {
        table.drop(seg);
      } else {
        seg.install(compact, index);
        table.moved(compact);
      }
      await old?.release();
    }
    this.o.log.debug({ rows: seg.count, ms: this.o.clock.now() - started }, 'segment re-indexed');
  }

  private async buildIndex(rows: Rows, count: number): Promise<SegmentIndex | null> {
    if (!this.useIndex || count === 0) return null;
    try {
      this.indexScratch ??= new Uint8Array(this.o.segmentSize * this.o.dim);
      return await SegmentIndex.build(rows, count, this.o.dim, { threads: this.o.threads, scratch: this.indexScratch });
    } catch (err) {
      // Without onnxruntime the matcher still answers, by a full scan.
      this.o.log.error({ err }, 'cannot build the int8 scan; falling back to the full float scan');
      this.useIndex = false;
      return null;
    }
  }
}
