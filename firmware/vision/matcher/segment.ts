import type { RowCodec, Rows } from './row-codec.js';
import type { SegmentIndex } from './segment-index.js';

/** Live rows of a segment copied into fresh arrays, tombstones dropped. */
export interface CompactRows {
  rows: Rows;
  slots: Int32Array;
  serials: Int32Array;
  persons: Int32Array;
  count: number;
}

/** The slot of a removed row: a tombstone until the next compaction. */
export const TOMBSTONE = -1;

/**
 * A block of at most `maxRows` gallery rows: unit templates (row-major, in the
 * codec's storage type) and, per row, the matcher's slot of the template
 * (TOMBSTONE once removed), the serial number it was added under (so a search
 * that captured these arrays can tell a reused slot from its own template) and
 * its person number. Rows `0..indexed-1` are covered by `index`; later rows are
 * pending and scanned in full until the segment is indexed again.
 */
export class Segment {
  rows: Rows;
  slots: Int32Array;
  serials: Int32Array;
  persons: Int32Array;
  count = 0;
  tombstones = 0;
  indexed = 0;
  index: SegmentIndex | null = null;
  /** Bumped by every change. */
  version = 0;
  /** Bumped when rows move (compaction); an index built before that no longer lines up. */
  layout = 0;

  constructor(
    readonly codec: RowCodec,
    readonly dim: number,
    readonly maxRows: number,
  ) {
    // Full size at once: pages nobody wrote to are not resident (the allocation is
    // zero-filled lazily by the OS), and appends never copy the rows to grow.
    this.rows = codec.alloc(maxRows * dim);
    this.slots = new Int32Array(maxRows);
    this.serials = new Int32Array(maxRows);
    this.persons = new Int32Array(maxRows);
  }

  get live(): number {
    return this.count - this.tombstones;
  }

  get hasRoom(): boolean {
    return this.count < this.maxRows;
  }

  /** Appends `template × scale` (the caller's unit-length scaling) and returns its row. */
  append(slot: number, serial: number, person: number, template: ArrayLike<number>, scale: number): number {
    if (this.count === this.slots.length) this.grow();
    const row = this.count++;
    this.codec.write(template, scale, this.rows, row, this.dim);
    this.slots[row] = slot;
    this.serials[row] = serial;
    this.persons[row] = person;
    this.version++;
    return row;
  }

  tombstone(row: number): void {
    this.slots[row] = TOMBSTONE;
    this.tombstones++;
    this.version++;
  }

  compact(): CompactRows {
    const { dim } = this;
    const count = this.live;
    const rows = this.codec.alloc(count * dim);
    const slots = new Int32Array(count);
    const serials = new Int32Array(count);
    const persons = new Int32Array(count);
    let out = 0;
    for (let r = 0; r < this.count; r++) {
      const slot = this.slots[r]!;
      if (slot === TOMBSTONE) continue;
      rows.set(this.rows.subarray(r * dim, (r + 1) * dim), out * dim);
      slots[out] = slot;
      serials[out] = this.serials[r]!;
      persons[out] = this.persons[r]!;
      out++;
    }
    return { rows, slots, serials, persons, count };
  }

  /** Replaces the rows with compacted ones (sized exactly) and the index built over all of them (or none). */
  install(compact: CompactRows, index: SegmentIndex | null): void {
    this.rows = compact.rows;
    this.slots = compact.slots;
    this.serials = compact.serials;
    this.persons = compact.persons;
    this.count = compact.count;
    this.tombstones = 0;
    this.index = index;
    this.indexed = index ? compact.count : 0;
    this.version++;
    this.layout++;
  }

  /** A compacted segment holds exactly its rows; the first append after compaction restores full size. */
  private grow(): void {
    const capacity = this.maxRows;
    const rows = this.codec.alloc(capacity * this.dim);
    rows.set(this.rows.subarray(0, this.count * this.dim));
    const grown = (a: Int32Array) => {
      const b = new Int32Array(capacity);
      b.set(a.subarray(0, this.count));
      return b;
    };
    this.rows = rows;
    this.slots = grown(this.slots);
    this.serials = grown(this.serials);
    this.persons = grown(this.persons);
  }
}
