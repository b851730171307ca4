/**
 * A set of string ids numbered by small integer handles, stored in typed arrays:
 * the characters of every id in one buffer and an open-addressing hash index
 * over them.
 *
 * Why not a Map<string, number>: 100k ids kept as JS strings and Map entries
 * are ~100k long-lived heap objects built during the gallery load, and that
 * survival makes V8 grow its young generation to the maximum while the load's
 * SQLite BLOB buffers churn through it (measured: ~35 MB more RSS at 100k).
 * Here an id costs ~20 bytes plus its characters, and no object outlives the call.
 *
 * Handles of removed ids are reused. Characters are Latin-1 bytes until an id
 * needs more, then UTF-16.
 */

const EMPTY = 0;
const DELETED = -1;
/** FNV-1a over the UTF-16 code units. */
function hashOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h;
}

export class IdTable {
  private chars: Uint8Array | Uint16Array = new Uint8Array(1024);
  /** Characters used, including those of removed ids (`garbage`). */
  private used = 0;
  private garbage = 0;
  private start = new Int32Array(64);
  /** Length of each handle's id; 0 marks a free handle (ids are never empty). */
  private length = new Uint8Array(64);
  private hashes = new Int32Array(64);
  /** Handle + 1 per bucket, EMPTY or DELETED. */
  private buckets = new Int32Array(128);
  private deletedBuckets = 0;
  private handles = 0;
  private readonly free: number[] = [];
  private count = 0;

  constructor(private readonly maxLength = 255) {
    if (!Number.isInteger(maxLength) || maxLength < 1 || maxLength > 255) throw new TypeError('IdTable: maxLength must be 1-255');
  }

  get size(): number {
    return this.count;
  }

  /** One more than the largest handle in use so far (for sizing arrays indexed by handle). */
  get handleLimit(): number {
    return this.handles;
  }

  /** The handle of `id`, or -1. */
  find(id: string): number {
    const mask = this.buckets.length - 1;
    for (let b = hashOf(id) & mask; ; b = (b + 1) & mask) {
      const v = this.buckets[b]!;
      if (v === EMPTY) return -1;
      if (v !== DELETED && this.matches(v - 1, id)) return v - 1;
    }
  }

  has(id: string): boolean {
    return this.find(id) >= 0;
  }

  /** Adds `id` (which must not be present; 1..maxLength characters) and returns its handle. */
  insert(id: string): number {
    if (id.length === 0 || id.length > this.maxLength) throw new TypeError(`IdTable: ids have 1-${this.maxLength} characters`);
    if (2 * (this.count + 1 + this.deletedBuckets) > this.buckets.length) this.rehash();
    const handle = this.free.pop() ?? this.handles++;
    if (handle >= this.length.length) this.growHandles(handle + 1);
    this.store(handle, id);
    const hash = hashOf(id);
    this.hashes[handle] = hash;
    this.place(handle, hash);
    this.count++;
    return handle;
  }

  /** Removes the id of `handle` (a handle in use). */
  remove(handle: number): void {
    const len = this.length[handle]!;
    if (!(len > 0)) throw new TypeError(`IdTable: handle ${handle} is not in use`);
    const mask = this.buckets.length - 1;
    for (let b = this.hashes[handle]! & mask; ; b = (b + 1) & mask) {
      if (this.buckets[b] === handle + 1) {
        this.buckets[b] = DELETED;
        this.deletedBuckets++;
        break;
      }
    }
    this.length[handle] = 0;
    this.garbage += len;
    this.free.push(handle);
    this.count--;
    if (this.garbage > 4096 && 2 * this.garbage > this.used) this.compactChars();
  }

  /** The id of a handle in use. */
  value(handle: number): string {
    const s = this.start[handle]!;
    const len = this.length[handle]!;
    if (!(len > 0)) throw new TypeError(`IdTable: handle ${handle} is not in use`);
    return String.fromCharCode.apply(null, this.chars.subarray(s, s + len) as unknown as number[]);
  }

  /** Every id, in handle order. */
  *values(): IterableIterator<string> {
    for (let h = 0; h < this.handles; h++) if (this.length[h]! > 0) yield this.value(h);
  }

  /** Removes everything. */
  clear(): void {
    this.chars = new Uint8Array(1024);
    this.used = this.garbage = 0;
    this.length = new Uint8Array(64);
    this.start = new Int32Array(64);
    this.hashes = new Int32Array(64);
    this.buckets = new Int32Array(128);
    this.deletedBuckets = this.handles = this.count = 0;
    this.free.length = 0;
  }

  private matches(handle: number, id: string): boolean {
    const len = this.length[handle]!;
    if (len !== id.length) return false;
    const { chars } = this;
    const s = this.start[handle]!;
    for (let i = 0; i < len; i++) if (chars[s + i] !== id.charCodeAt(i)) return false;
    return true;
  }

  private store(handle: number, id: string): void {
    let wide = this.chars instanceof Uint16Array;
    if (!wide) {
      for (let i = 0; i < id.length; i++) {
        if (id.charCodeAt(i) > 0xff) {
          wide = true;
          this.chars = Uint16Array.from(this.chars);
          break;
        }
      }
    }
    if (this.used + id.length > this.chars.length) {
      const bigger = wide ? new Uint16Array(Math.max(2 * this.chars.length, this.used + id.length)) : new Uint8Array(Math.max(2 * this.chars.length, this.used + id.length));
      bigger.set(this.chars.subarray(0, this.used));
      this.chars = bigger;
    }
    const { chars } = this;
    for (let i = 0; i < id.length; i++) chars[this.used + i] = id.charCodeAt(i);
    this.start[handle] = this.used;
    this.length[handle] = id.length;
    this.used += id.length;
  }

  private place(handle: number, hash: number): void {
    const mask = this.buckets.length - 1;
    let b = hash & mask;
    while (this.buckets[b] !== EMPTY && this.buckets[b] !== DELETED) b = (b + 1) & mask;
    if (this.buckets[b] === DELETED) this.deletedBuckets--;
    this.buckets[b] = handle + 1;
  }

  private rehash(): void {
    // At most a quarter full afterwards, so inserts stay cheap and lookups short.
    let capacity = this.buckets.length;
    while (capacity < 4 * (this.count + 1)) capacity *= 2;
    this.buckets = new Int32Array(capacity);
    this.deletedBuckets = 0;
    for (let h = 0; h < this.handles; h++) if (this.length[h]! > 0) this.place(h, this.hashes[h]!);
  }

  private growHandles(need: number): void {
    const n = Math.max(need, 2 * this.length.length);
    const start = new Int32Array(n);
    start.set(this.start);
    const length = new Uint8Array(n);
    length.set(this.length);
    const hashes = new Int32Array(n);
    hashes.set(this.hashes);
    this.start = start;
    this.length = length;
    this.hashes = hashes;
  }

  private compactChars(): void {
    const out = this.chars instanceof Uint16Array ? new Uint16Array(Math.max(1024, this.used - this.garbage)) : new Uint8Array(Math.max(1024, this.used - this.garbage));
    let at = 0;
    for (let h = 0; h < this.handles; h++) {
      const len = this.length[h]!;
      if (len === 0) continue;
      const s = this.start[h]!;
      out.set(this.chars.subarray(s, s + len), at);
      this.start[h] = at;
      at += len;
    }
    this.chars = out;
    this.used = at;
    this.garbage = 0;
  }
}
