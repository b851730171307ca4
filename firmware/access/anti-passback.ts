/**
 * Anti-passback for one zone, terminal-local: a granted entry must be followed by an
 * exit before the next entry (and an exit by an entry before the next exit), so one
 * card, face or plate cannot let two people or cars in. The state lives in the store
 * (table anti_passback, migration v7) and survives restarts.
 *
 * Limitation: only passages through THIS terminal count. At a zone with separate entry
 * and exit terminals an exit recorded elsewhere never reaches this one, so its entries
 * stay blocked until `resetAfterMs`; cross-terminal anti-passback needs the site to
 * share the passages.
 */
import type { Store } from '../store/store.js';
import type { PassageDirection } from './types.js';

export interface AntiPassbackOptions {
  store: Store;
  zone: string;
  /** A passage older than this no longer blocks (null: until the opposite passage). */
  resetAfterMs: number | null;
}

export interface LastPassage {
  direction: PassageDirection;
  at: number;
}

export class AntiPassback {
  readonly zone: string;
  private readonly store: Store;
  private readonly resetAfterMs: number | null;

  constructor(options: AntiPassbackOptions) {
    if (!options?.store) throw new TypeError('AntiPassback: store is required');
    if (typeof options.zone !== 'string' || options.zone === '') throw new TypeError('AntiPassback: zone is required');
    this.store = options.store;
    this.zone = options.zone;
    this.resetAfterMs = options.resetAfterMs;
  }

  last(subject: string): LastPassage | undefined {
    return this.store.db
      .prepare<[string, string], LastPassage>('SELECT direction, at FROM anti_passback WHERE zone = ? AND subject = ?')
      .get(this.zone, subject);
  }

  /** Whether a passage of `subject` in `direction` now would repeat the last one. */
  violates(subject: string, direction: PassageDirection, now: number): boolean {
    const last = this.last(subject);
    if (!last || last.direction !== direction) return false;
    return this.resetAfterMs === null || now - last.at < this.resetAfterMs;
  }

  /** Records a granted passage; call in the transaction that records its event. */
  record(subject: string, direction: PassageDirection, now: number): void {
    this.store.db
      .prepare(
        `INSERT INTO anti_passback (zone, subject, direction, at) VALUES (?, ?, ?, ?)
         ON CONFLICT (zone, subject) DO UPDATE SET direction = excluded.direction, at = excluded.at`,
      )
      .run(this.zone, subject, direction, now);
  }

  /** Forgets a subject's state (a guard lets someone out whose exit was not seen). */
  forgive(subject: string): boolean {
    return this.store.db.prepare('DELETE FROM anti_passback WHERE zone = ? AND subject = ?').run(this.zone, subject).changes > 0;
  }
}
