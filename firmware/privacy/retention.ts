/**
 * Retention of data about people who never agreed to be recognised: stranger and
 * spoof events, and kept snapshot images. After `strangerDays` such events are
 * deleted once the backend has them (acknowledged); an older one still waiting in
 * the outbox keeps its row (so event numbering stays gapless for the backend) but
 * loses its data. Face snapshots (sealed, in the store) older than `snapshotDays`
 * are deleted. Freed database pages are zeroed (secure_delete) and the WAL truncated.
 */
import type { Clock, TimerHandle } from '../../hal/clock.js';
import type { Logger } from '../log.js';
import { purgeSnapshotsBefore } from '../store/face-snapshots.js';
import { META_KEYS } from '../store/meta.js';
import type { Store } from '../store/store.js';
import { enableSecureDelete, truncateWal } from '../store/wal.js';

const DAY = 86_400_000;
/** Event types that describe a face that is nobody enrolled (or not a live face). */
export const STRANGER_EVENT_TYPES = ['face.stranger', 'face.spoof-suspected'] as const;

export interface RetentionOptions {
  store: Store;
  clock: Clock;
  /** Days stranger and spoof events are kept (default 7). */
  strangerDays?: number;
  /** Days face snapshots are kept (default 7). */
  snapshotDays?: number;
  /** How often the policy runs (default hourly). */
  intervalMs?: number;
  logger?: Logger;
}

export interface RetentionResult {
  strangerEventsDeleted: number;
  strangerEventsStripped: number;
  snapshotsDeleted: number;
}

function days(n: number | undefined, what: string): number {
  const v = n ?? 7;
  if (!(Number.isFinite(v) && v >= 0)) throw new TypeError(`${what} must be a number of days >= 0`);
  return v;
}

export class RetentionPolicy {
  private timer: TimerHandle | null = null;
  private readonly strangerMs: number;
  private readonly snapshotMs: number;

  constructor(private readonly o: RetentionOptions) {
    if (!o?.store || !o.clock) throw new TypeError('RetentionPolicy: store and clock are required');
    this.strangerMs = days(o.strangerDays, 'strangerDays') * DAY;
    this.snapshotMs = days(o.snapshotDays, 'snapshotDays') * DAY;
  }

  /** Runs now and then every `intervalMs`. */
  start(): void {
    if (this.timer) return;
    this.runSafely();
    this.timer = this.o.clock.setInterval(() => this.runSafely(), this.o.intervalMs ?? 3_600_000);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  run(): RetentionResult {
    const now = this.o.clock.now();
    const db = this.o.store.db;
    enableSecureDelete(this.o.store);
    const cutoff = now - this.strangerMs;
    const types = STRANGER_EVENT_TYPES.map(() => '?').join(',');
    const { deleted, stripped, snapshotsDeleted } = this.o.store.transaction(() => {
      const acked = this.o.store.meta.getInt(META_KEYS.outboxAckedSeq);
      const deleted = db.prepare(`DELETE FROM events WHERE type IN (${types}) AND ts < ? AND seq <= ?`).run(...STRANGER_EVENT_TYPES, cutoff, acked).changes;
      const stripped = db
        .prepare(`UPDATE events SET data = NULL, person_id = NULL, credential_ref = NULL WHERE type IN (${types}) AND ts < ? AND data IS NOT NULL`)
        .run(...STRANGER_EVENT_TYPES, cutoff).changes;
      const snapshotsDeleted = purgeSnapshotsBefore(this.o.store, now - this.snapshotMs);
      return { deleted, stripped, snapshotsDeleted };
    });
    if (deleted + stripped + snapshotsDeleted > 0) truncateWal(this.o.store);
    return { strangerEventsDeleted: deleted, strangerEventsStripped: stripped, snapshotsDeleted };
  }

  private runSafely(): void {
    try {
      const r = this.run();
      if (r.strangerEventsDeleted + r.strangerEventsStripped + r.snapshotsDeleted > 0) this.o.logger?.info(r, 'retention: old stranger data removed');
    } catch (err) {
      this.o.logger?.error({ err }, 'retention: run failed');
    }
  }
}
