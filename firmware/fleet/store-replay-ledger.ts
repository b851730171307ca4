/**
 * The replay ledger in the terminal's store: one `meta` row per accepted signed
 * request id (`replay.id.{id}` → expiresAt) plus `replay.since` and
 * `replay.floor`. The store commits with `synchronous=FULL`, so an id recorded
 * here survives a crash or a power cut before the command runs.
 */
import type { Statement } from 'better-sqlite3';
import { META_KEYS } from '../store/meta.js';
import type { Store } from '../store/index.js';
import type { ReplayLedger } from './replay-cache.js';

const PREFIX = META_KEYS.replayIdPrefix;
// Every key with the prefix sorts between these two ('/' follows '.').
const FROM = PREFIX;
const TO = `${PREFIX.slice(0, -1)}/`;

export class StoreReplayLedger implements ReplayLedger {
  private readonly listStmt: Statement<[string, string], { id: string; exp: number }>;
  private readonly pruneStmt: Statement<[string, string, number]>;

  constructor(private readonly store: Store) {
    this.listStmt = store.db.prepare<[string, string], { id: string; exp: number }>(
      `SELECT substr(key, ${PREFIX.length + 1}) AS id, CAST(value AS INTEGER) AS exp FROM meta WHERE key > ? AND key < ?`,
    );
    this.pruneStmt = store.db.prepare<[string, string, number]>('DELETE FROM meta WHERE key > ? AND key < ? AND CAST(value AS INTEGER) < ?');
  }

  load(): ReturnType<ReplayLedger['load']> {
    const since = this.store.meta.get(META_KEYS.replaySince);
    return {
      since: since === undefined ? undefined : Number(since),
      floor: this.store.meta.getInt(META_KEYS.replayFloor, Number.MIN_SAFE_INTEGER),
      accepted: this.listStmt.all(FROM, TO).map((r) => [r.id, r.exp]),
    };
  }

  begin(since: number): void {
    this.store.meta.set(META_KEYS.replaySince, String(since));
  }

  accept(id: string, expiresAt: number): void {
    this.store.meta.set(`${PREFIX}${id}`, String(expiresAt));
  }

  prune(cutoff: number, floor: number): void {
    this.store.transaction(() => {
      this.pruneStmt.run(FROM, TO, cutoff);
      this.store.meta.set(META_KEYS.replayFloor, String(floor));
    });
  }
}
