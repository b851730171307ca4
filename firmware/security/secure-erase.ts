/**
 * Erasing biometric data so that no copy stays in the database files. SQLite
 * leaves deleted cells in place unless `secure_delete` is on, and in WAL mode the
 * old page images also sit in the -wal file until a checkpoint; TRUNCATE copies
 * the zeroed pages back and empties the WAL.
 */
import type { AccessRepository } from '../access/repository.js';
import type { Store } from '../store/store.js';
import { decodeTemplate } from '../vision/matcher/store-gallery.js';
import { isSealed, sealTemplate } from './sealed.js';

/** Per connection: deleted content is overwritten with zeros. */
export function enableSecureDelete(store: Store): void {
  store.db.pragma('secure_delete = ON');
}

export interface CheckpointResult {
  /** True when a reader kept the checkpoint from finishing (old pages may still be in the WAL). */
  busy: boolean;
  walFrames: number;
  checkpointedFrames: number;
}

/** Copies the WAL into the database and truncates it to zero bytes. */
export function truncateWal(store: Store): CheckpointResult {
  const [row] = store.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
  return { busy: row!.busy !== 0, walFrames: row!.log, checkpointedFrames: row!.checkpointed };
}

/**
 * Removes a person (credentials, templates and consents go with them by cascade)
 * and purges the freed bytes from the database and its WAL.
 */
export function erasePerson(store: Store, repo: AccessRepository, personId: string): { removed: boolean; checkpoint: CheckpointResult } {
  enableSecureDelete(store);
  const removed = repo.removePerson(personId);
  return { removed, checkpoint: truncateWal(store) };
}

/**
 * Seals every template still stored in plain (a terminal turning encryption on),
 * in one transaction, then purges the plain bytes from the file and the WAL.
 */
export function sealPlainTemplates(store: Store, key: Uint8Array): { sealed: number; checkpoint: CheckpointResult } {
  enableSecureDelete(store);
  const rows = store.db.prepare<[], { id: string; dim: number; template: Buffer }>('SELECT id, dim, template FROM face_templates').all();
  const update = store.db.prepare<[Buffer, string]>('UPDATE face_templates SET template = ? WHERE id = ?');
  let sealed = 0;
  store.transaction(() => {
    for (const r of rows) {
      if (isSealed(r.template)) continue;
      const t = decodeTemplate(r.template, r.dim);
      if (!t) continue;
      update.run(sealTemplate(key, r.id, t), r.id);
      sealed++;
    }
  });
  return { sealed, checkpoint: truncateWal(store) };
}
