/**
 * Plate camera snapshots of plate reads (what the site shows beside a passage): the
 * camera's JPEG, sealed with AES-256-GCM under the terminal's data key and bound to
 * its row id, like face snapshots. Bounded in size and count, the oldest evicted
 * first; retention deletes them after `retention.snapshotDays` with the face
 * snapshots (purgeSnapshotsBefore).
 */
import { randomBytes } from 'node:crypto';
import { open, seal } from '../security/sealed.js';
import { StoreError } from './errors.js';
import type { Store } from './store.js';

export interface PlateSnapshotLimits {
  /** Largest JPEG kept (default 512 KiB: an LPR camera's scene picture). */
  maxBytes: number;
  /** Snapshots kept at most (default 2000). */
  maxCount: number;
  /** Sealed bytes kept at most (default 128 MiB). */
  maxTotalBytes: number;
}

export const DEFAULT_PLATE_SNAPSHOT_LIMITS: PlateSnapshotLimits = { maxBytes: 512 * 1024, maxCount: 2000, maxTotalBytes: 128 * 1024 * 1024 };

export interface PlateSnapshotInfo {
  id: string;
  ts: number;
  eventSeq: number | null;
  plate: string | null;
  /** Sealed size. */
  bytes: number;
}

const aad = (id: string) => `plate_snapshot:${id}`;

export class PlateSnapshots {
  readonly limits: PlateSnapshotLimits;

  constructor(
    private readonly store: Store,
    private readonly key: Uint8Array,
    limits: Partial<PlateSnapshotLimits> = {},
  ) {
    this.limits = { ...DEFAULT_PLATE_SNAPSHOT_LIMITS, ...limits };
    for (const [k, v] of Object.entries(this.limits)) if (!(Number.isSafeInteger(v) && v > 0)) throw new TypeError(`PlateSnapshots: ${k} must be a positive integer`);
    seal(key, new Uint8Array(0), 'check');
  }

  /** Seals and stores a JPEG. Throws StoreError INVALID_SNAPSHOT for a non-JPEG or one over maxBytes. */
  add(s: { jpeg: Uint8Array; plate?: string | null; ts?: number }): PlateSnapshotInfo {
    this.store.assertOpen();
    const { jpeg } = s;
    if (!(jpeg instanceof Uint8Array) || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new StoreError('INVALID_SNAPSHOT', 'a plate snapshot must be a JPEG');
    if (jpeg.byteLength > this.limits.maxBytes) throw new StoreError('INVALID_SNAPSHOT', `plate snapshot of ${jpeg.byteLength} bytes is over the ${this.limits.maxBytes}-byte cap`);
    const id = randomBytes(9).toString('hex');
    const sealed = seal(this.key, jpeg, aad(id));
    const info: PlateSnapshotInfo = { id, ts: s.ts ?? this.store.clock.now(), eventSeq: null, plate: s.plate ?? null, bytes: sealed.byteLength };
    this.store.transaction(() => {
      this.store.db.prepare('INSERT INTO plate_snapshots (id, ts, event_seq, plate, bytes, image) VALUES (?, ?, ?, ?, ?, ?)').run(info.id, info.ts, null, info.plate, info.bytes, sealed);
      this.evict();
    });
    return info;
  }

  /** Links a snapshot to the decision event that names it. */
  link(id: string, eventSeq: number): void {
    this.store.db.prepare('UPDATE plate_snapshots SET event_seq = ? WHERE id = ?').run(eventSeq, id);
  }

  /** The JPEG of snapshot `id`, or null when there is none or it does not open. */
  get(id: string): Buffer | null {
    this.store.assertOpen();
    const blob = this.store.db.prepare<[string], Buffer>('SELECT image FROM plate_snapshots WHERE id = ?').pluck().get(id);
    return blob ? open(this.key, blob, aad(id)) : null;
  }

  /** Snapshots, oldest first. */
  list(): PlateSnapshotInfo[] {
    this.store.assertOpen();
    return this.store.db.prepare<[], PlateSnapshotInfo>('SELECT id, ts, event_seq AS eventSeq, plate, bytes FROM plate_snapshots ORDER BY ts, rowid').all();
  }

  private evict(): void {
    const db = this.store.db;
    const totals = db.prepare<[], { n: number; bytes: number | null }>('SELECT count(*) AS n, sum(bytes) AS bytes FROM plate_snapshots').get()!;
    let n = totals.n;
    let total = totals.bytes ?? 0;
    const oldest = db.prepare<[], { id: string; bytes: number }>('SELECT id, bytes FROM plate_snapshots ORDER BY ts, rowid LIMIT 1');
    const drop = db.prepare<[string]>('DELETE FROM plate_snapshots WHERE id = ?');
    while (n > this.limits.maxCount || total > this.limits.maxTotalBytes) {
      const row = oldest.get();
      if (!row) break;
      drop.run(row.id);
      n--;
      total -= row.bytes;
    }
  }
}
