import { MatcherError } from './errors.js';
import { IdTable } from './id-table.js';
import type { RowCodec } from './row-codec.js';
import { Segment, type CompactRows } from './segment.js';

/** The end of a person's list of templates. */
export const NONE = -1;

export const MAX_ID_LENGTH = 128;

function grownInt32(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const out = new Int32Array(Math.max(need, a.length * 2));
  out.set(a);
  return out;
}

/**
 * Which templates the gallery holds, whose they are, and where each one's row
 * lives: the bookkeeping behind `add` and `remove`, with no scoring in it.
 *
 * Templates go by "slot", the handle of their id in `templateIds`: a small
 * integer, reused after removal, that indexes typed arrays instead of an object
 * per template. People go by the handle of their id likewise, and each person's
 * templates form a list through `slotNext`.
 *
 * The typed-array fields are read by the scans and the re-rank; only this class
 * writes them (a grow replaces the array, so read them through the table).
 */
export class TemplateTable {
  segments: Segment[] = [];

  readonly templateIds = new IdTable(MAX_ID_LENGTH);
  slotSegment: Array<Segment | undefined> = [];
  slotRow = new Int32Array(1024);
  slotPerson = new Int32Array(1024);
  slotSerial = new Int32Array(1024);
  /** Next slot of the same person (NONE at the end). */
  slotNext = new Int32Array(1024);
  /** Numbers every add, so a reused slot is told apart from the template a search saw there. */
  private nextSerial = 0;

  readonly personIds = new IdTable(MAX_ID_LENGTH);
  personFirst = new Int32Array(1024);
  private personSize = new Int32Array(1024);
  private maxPerPerson = 0;
  private maxPerPersonStale = false;

  constructor(
    private readonly codec: RowCodec,
    private readonly dim: number,
    private readonly segmentSize: number,
  ) {}

  /** Templates held. */
  get size(): number {
    return this.templateIds.size;
  }

  /** People with at least one template. */
  get personCount(): number {
    return this.personIds.size;
  }

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

  /** The template ids of a person, in the order they were added (empty when unknown). */
  templatesOf(personId: string): string[] {
    const out: string[] = [];
    if (typeof personId !== 'string') return out;
    const person = this.personIds.find(personId);
    if (person < 0) return out;
    for (let s = this.personFirst[person]!; s !== NONE; s = this.slotNext[s]!) out.push(this.templateIds.value(s));
    return out.reverse();
  }

  /** Throws MatcherError DUPLICATE_TEMPLATE unless `templateId` is new (checked before the template is). */
  assertNew(templateId: string): void {
    if (this.templateIds.has(templateId)) throw new MatcherError('DUPLICATE_TEMPLATE', `template ${templateId} is already in the gallery`);
  }

  /** Appends `template × scale` (the caller's unit-length scaling) under the given ids (checked, the template id new). */
  insert(templateId: string, personId: string, template: ArrayLike<number>, scale: number): void {
    const person = this.personFor(personId);
    const slot = this.templateIds.insert(templateId);
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
  }

  /** Tombstones one template's row. Returns false when the table does not hold it. */
  remove(templateId: string): boolean {
    const slot = typeof templateId === 'string' ? this.templateIds.find(templateId) : -1;
    if (slot < 0) return false;
    this.slotSegment[slot]!.tombstone(this.slotRow[slot]!);
    this.slotSegment[slot] = undefined;
    this.templateIds.remove(slot);

    const person = this.slotPerson[slot]!;
    if (this.personFirst[person] === slot) {
      this.personFirst[person] = this.slotNext[slot]!;
    } else {
      let s = this.personFirst[person]!;
      while (this.slotNext[s] !== slot) s = this.slotNext[s]!;
      this.slotNext[s] = this.slotNext[slot]!;
    }
    if (--this.personSize[person]! === 0) this.personIds.remove(person);
    this.maxPerPersonStale = true;
    return true;
  }

  /** Whether the template a search saw in `slot` under `serial` is still held. */
  isCurrent(slot: number, serial: number): boolean {
    return this.slotSegment[slot] !== undefined && this.slotSerial[slot] === serial;
  }

  /** The most templates any one person has (at least 1). */
  templatesPerPersonMax(): number {
    if (this.maxPerPersonStale) {
      let max = 0;
      for (let p = 0; p < this.personIds.handleLimit; p++) max = Math.max(max, this.personSize[p]!);
      this.maxPerPerson = max;
      this.maxPerPersonStale = false;
    }
    return Math.max(1, this.maxPerPerson);
  }

  /** Points the slots of a compacted segment at their new rows. */
  moved(compact: CompactRows): void {
    for (let r = 0; r < compact.count; r++) this.slotRow[compact.slots[r]!] = r;
  }

  /** Forgets a segment compacted to nothing. */
  drop(seg: Segment): void {
    this.segments = this.segments.filter((s) => s !== seg);
  }

  clear(): void {
    this.segments = [];
    this.templateIds.clear();
    this.slotSegment = [];
    this.personIds.clear();
  }

  private personFor(personId: string): number {
    let person = this.personIds.find(personId);
    if (person < 0) {
      person = this.personIds.insert(personId);
      this.personFirst = grownInt32(this.personFirst, person + 1);
      this.personSize = grownInt32(this.personSize, person + 1);
      this.personFirst[person] = NONE;
      this.personSize[person] = 0;
    }
    return person;
  }

  private segmentWithRoom(): Segment {
    for (let i = this.segments.length - 1; i >= 0; i--) if (this.segments[i]!.hasRoom) return this.segments[i]!;
    const seg = new Segment(this.codec, this.dim, this.segmentSize);
    this.segments.push(seg);
    return seg;
  }
}
