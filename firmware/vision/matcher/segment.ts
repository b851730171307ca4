import type { RowCodec, Rows } from './row-codec.js';
import type { SegmentIndex } from './segment-index.js';

/** Live rows of a segment copied into fresh arrays, tombstones dropped. */
export interface CompactRows {
  rows: Rows;
  ids: Array<string | null>;
  persons: Int32Array;
  count: number;
}

/**
 * A block of at most `maxRows` gallery rows: unit templates (row-major, in the
 * codec's storage type), their template ids (null once removed: a tombstone
 * until the next compaction) and their person numbers. Rows `0..indexed-1` are
 * covered by `index`; later rows are pending and scanned in full until the
 * segment is indexed again.
 */
export class Segment {
  rows: Rows;
  ids: Array<string | null> = [];
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
    this.persons = new Int32Array(maxRows);
  }

  get live(): number {
    return this.count - this.tombstones;
  }

  get hasRoom(): boolean {
    return this.count < this.maxRows;
  }

  /** Appends `template × scale` (the caller's unit-length scaling) and returns its row. */
  append(id: string, person: number, template: ArrayLike<number>, scale: number): number {
    if (this.count === this.persons.length) this.grow();
    const row = this.count++;
    this.codec.write(template, scale, this.rows, row, this.dim);
    this.ids[row] = id;
    this.persons[row] = person;
    this.version++;
    return row;
  }

  tombstone(row: number): void {
    this.ids[row] = null;
    this.tombstones++;
    this.version++;
  }

  compact(): CompactRows {
    const { dim } = this;
    const count = this.live;
    const rows = this.codec.alloc(count * dim);
    const ids: Array<string | null> = new Array(count);
    const persons = new Int32Array(count);
    let out = 0;
    for (let r = 0; r < this.count; r++) {
      const id = this.ids[r];
      if (id == null) continue;
      rows.set(this.rows.subarray(r * dim, (r + 1) * dim), out * dim);
      ids[out] = id;
      persons[out] = this.persons[r]!;
      out++;
    }
    return { rows, ids, persons, count };
  }

  /** Replaces the rows with compacted ones (sized exactly) and the index built over all of them (or none). */
  install(compact: CompactRows, index: SegmentIndex | null): void {
    this.rows = compact.rows;
    this.ids = compact.ids;
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
    const persons = new Int32Array(capacity);
    persons.set(this.persons.subarray(0, this.count));
    this.rows = rows;
    this.persons = persons;
  }
}
