/**
 * Face snapshots of stranger and spoof events (what an alert shows): small JPEG
 * crops, sealed with AES-256-GCM under the terminal's data key, bound to their
 * row id. The table is bounded: one snapshot at most `maxBytes`, all of them at
 * most `maxCount` and `maxTotalBytes`, the oldest evicted first. Retention
 * deletes them after `retention.snapshotDays`; erasing a person deletes the ones
 * linked to them (firmware/security/secure-erase).
 */
import { randomBytes } from 'node:crypto';
import { open, seal } from '../security/sealed.js';
import { StoreError } from './errors.js';
import type { Store } from './store.js';

export interface FaceSnapshotLimits {
  /** Largest JPEG kept (default 24 KiB); the capture shrinks to fit. */
  maxBytes: number;
  /** Snapshots kept at most (default 500). */
  maxCount: number;
  /** Sealed bytes kept at most (default 8 MiB). */
  maxTotalBytes: number;
}

export const DEFAULT_SNAPSHOT_LIMITS: FaceSnapshotLimits = { maxBytes: 24 * 1024, maxCount: 500, maxTotalBytes: 8 * 1024 * 1024 };

export interface NewFaceSnapshot {
  jpeg: Uint8Array;
  /** Default: the store's clock. */
  ts?: number;
  /** The event the snapshot shows. */
  eventSeq?: number | null;
  /** The person a spoof claimed to be, if any. */
  personId?: string | null;
}

export interface FaceSnapshotInfo {
  id: string;
  ts: number;
  eventSeq: number | null;
  personId: string | null;
  /** Sealed size. */
  bytes: number;
}

const aad = (id: string) => `face_snapshot:${id}`;
const JPEG_SOI = [0xff, 0xd8];

export class FaceSnapshots {
  readonly limits: FaceSnapshotLimits;

  constructor(
    private readonly store: Store,
    private readonly key: Uint8Array,
    limits: Partial<FaceSnapshotLimits> = {},
  ) {
    this.limits = { ...DEFAULT_SNAPSHOT_LIMITS, ...limits };
    for (const [k, v] of Object.entries(this.limits)) if (!(Number.isSafeInteger(v) && v > 0)) throw new TypeError(`FaceSnapshots: ${k} must be a positive integer`);
    // Fails early on a bad key rather than at the first stranger.
    seal(key, new Uint8Array(0), 'check');
  }

  /**
   * Seals and stores a JPEG, then evicts the oldest snapshots beyond the caps.
   * Throws StoreError INVALID_SNAPSHOT for something that is not a JPEG or is
   * larger than `maxBytes`.
   */
  add(s: NewFaceSnapshot): FaceSnapshotInfo {
    this.store.assertOpen();
    const jpeg = s.jpeg;
    if (!(jpeg instanceof Uint8Array) || jpeg[0] !== JPEG_SOI[0] || jpeg[1] !== JPEG_SOI[1]) throw new StoreError('INVALID_SNAPSHOT', 'a face snapshot must be a JPEG');
    if (jpeg.byteLength > this.limits.maxBytes) throw new StoreError('INVALID_SNAPSHOT', `face snapshot of ${jpeg.byteLength} bytes is over the ${this.limits.maxBytes}-byte cap`);
    const id = randomBytes(9).toString('hex');
    const sealed = seal(this.key, jpeg, aad(id));
    const info: FaceSnapshotInfo = { id, ts: s.ts ?? this.store.clock.now(), eventSeq: s.eventSeq ?? null, personId: s.personId ?? null, bytes: sealed.byteLength };
    this.store.transaction(() => {
      this.store.db
        .prepare('INSERT INTO face_snapshots (id, ts, event_seq, person_id, bytes, image) VALUES (?, ?, ?, ?, ?, ?)')
        .run(info.id, info.ts, info.eventSeq, info.personId, info.bytes, sealed);
      this.evict();
    });
    return info;
  }

  /** Links snapshot `id`, taken before its event was logged, to that event. */
  link(id: string, eventSeq: number): void {
    this.store.assertOpen();
    this.store.db.prepare('UPDATE face_snapshots SET event_seq = ? WHERE id = ?').run(eventSeq, id);
  }

  /** Deletes snapshot `id` (taken for an event that was never logged). */
  delete(id: string): void {
    this.store.assertOpen();
    this.store.db.prepare('DELETE FROM face_snapshots WHERE id = ?').run(id);
  }

  /** The JPEG of snapshot `id`, or null when there is none or it does not open (another key, altered). */
  get(id: string): Buffer | null {
    this.store.assertOpen();
    const blob = this.store.db.prepare<[string], Buffer>('SELECT image FROM face_snapshots WHERE id = ?').pluck().get(id);
    return blob ? open(this.key, blob, aad(id)) : null;
  }

  /** Snapshot `id` with what it shows and its JPEG; null as for `get`. */
  read(id: string): { info: FaceSnapshotInfo; jpeg: Buffer } | null {
    this.store.assertOpen();
    const row = this.store.db
      .prepare<[string], FaceSnapshotInfo & { image: Buffer }>('SELECT id, ts, event_seq AS eventSeq, person_id AS personId, bytes, image FROM face_snapshots WHERE id = ?')
      .get(id);
    if (!row) return null;
    const jpeg = open(this.key, row.image, aad(id));
    if (!jpeg) return null;
    const { image: _image, ...info } = row;
    return { info, jpeg };
  }

  /** Snapshots, oldest first. */
  list(): FaceSnapshotInfo[] {
    this.store.assertOpen();
    return this.store.db
      .prepare<[], FaceSnapshotInfo>('SELECT id, ts, event_seq AS eventSeq, person_id AS personId, bytes FROM face_snapshots ORDER BY ts, rowid')
      .all();
  }

  /** Deletes the oldest snapshots until both caps hold. Returns how many went. */
  private evict(): number {
    const db = this.store.db;
    const totals = () => db.prepare<[], { n: number; bytes: number | null }>('SELECT count(*) AS n, sum(bytes) AS bytes FROM face_snapshots').get()!;
    const oldest = db.prepare<[], { id: string; bytes: number }>('SELECT id, bytes FROM face_snapshots ORDER BY ts, rowid LIMIT 64');
    const drop = db.prepare<[string]>('DELETE FROM face_snapshots WHERE id = ?');
    const now = totals();
    let n = now.n;
    let total = now.bytes ?? 0;
    let evicted = 0;
    while (n > this.limits.maxCount || total > this.limits.maxTotalBytes) {
      const batch = oldest.all();
      if (batch.length === 0) break;
      for (const row of batch) {
        if (!(n > this.limits.maxCount || total > this.limits.maxTotalBytes)) break;
        drop.run(row.id);
        n--;
        total -= row.bytes;
        evicted++;
      }
    }
    return evicted;
  }
}

/** Deletes the face and plate snapshots taken before `cutoff` (retention: one period for both). */
export function purgeSnapshotsBefore(store: Store, cutoff: number): number {
  const faces = store.db.prepare('DELETE FROM face_snapshots WHERE ts < ?').run(cutoff).changes;
  return faces + store.db.prepare('DELETE FROM plate_snapshots WHERE ts < ?').run(cutoff).changes;
}
