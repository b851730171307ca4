// Purging the write-ahead log: with `secure_delete` the database file holds zeros
// where erased rows were, but the -wal file keeps the old page images until a
// checkpoint copies the zeroed pages back; TRUNCATE then empties it.
import type { Database } from 'better-sqlite3';

export interface CheckpointResult {
  /** True when a reader kept the checkpoint from finishing (old pages may still be in the WAL). */
  busy: boolean;
  walFrames: number;
  checkpointedFrames: number;
}

/** Per connection: deleted content is overwritten with zeros (see privacy/secure-erase). */
export function enableSecureDelete(store: { db: Database }): void {
  store.db.pragma('secure_delete = ON');
}

/** Copies the WAL into the database and truncates it to zero bytes. */
export function truncateWal(store: { db: Database }): CheckpointResult {
  const [row] = store.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
  return { busy: row!.busy !== 0, walFrames: row!.log, checkpointedFrames: row!.checkpointed };
}
