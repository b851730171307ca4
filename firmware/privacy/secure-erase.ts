/**
 * Erasing biometric data so that no copy stays in the database files. SQLite
 * leaves deleted cells in place unless `secure_delete` is on, and in WAL mode the
 * old page images also sit in the -wal file until a checkpoint; TRUNCATE copies
 * the zeroed pages back and empties the WAL.
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import { enableSecureDelete, truncateWal, type CheckpointResult } from '../store/wal.js';

export { enableSecureDelete, truncateWal, type CheckpointResult };

/** What erasure needs of the access records (the AccessRepository): removing the person, cascades included. */
export interface PersonRecords {
  removePerson(personId: string): boolean;
}

/** Event `data` keys that name a person or a credential; an erased person's events lose them. */
const PERSONAL_EVENT_DATA = ['$.credentialId', '$.personId', '$.name', '$.value', '$.claimedPersonId', '$.vehicle'];

/** A fresh pseudonym for one erasure: a valid person id that resolves to nobody. */
export function erasurePseudonym(): string {
  return `erased-${randomBytes(8).toString('hex')}`;
}

export interface ErasedPerson {
  removed: boolean;
  /** Events rewritten to the pseudonym (they keep type, result, reason, door and time). */
  eventsPseudonymised: number;
  snapshotsDeleted: number;
  pseudonym: string;
}

/**
 * Erases a person inside one transaction (the caller's, or its own): credentials,
 * templates, groups and consents go by cascade; their events keep that someone
 * passed (type, result, reason, terminal, time, credential type) but their person
 * id becomes a per-erasure pseudonym and they lose the credential value (card
 * number, credential id) and any name; face snapshots linked to them are deleted.
 * Events of the person's cards logged without a person id lose the number too.
 * It does not purge the WAL: `erasePerson` does, or the caller after its commit.
 */
export function erasePersonRecords(store: Store, repo: PersonRecords, personId: string): ErasedPerson {
  enableSecureDelete(store);
  const pseudonym = erasurePseudonym();
  return store.transaction(() => {
    const db = store.db;
    const cards = db.prepare<[string], string>("SELECT value_key FROM credentials WHERE person_id = ? AND type = 'card'").pluck().all(personId);
    const seqs = db.prepare<[string], number>('SELECT seq FROM events WHERE person_id = ?').pluck().all(personId);
    const snapshotsDeleted = deleteLinkedSnapshots(store, personId, seqs);
    const scrub = `credential_ref = NULL, data = CASE WHEN data IS NULL THEN NULL ELSE json_remove(data, ${PERSONAL_EVENT_DATA.map((k) => `'${k}'`).join(', ')}) END`;
    let events = db.prepare(`UPDATE events SET person_id = ?, ${scrub} WHERE person_id = ?`).run(pseudonym, personId).changes;
    const byCard = db.prepare(`UPDATE events SET ${scrub} WHERE person_id IS NULL AND credential_type = 'card' AND credential_ref = ?`);
    for (const card of cards) events += byCard.run(card).changes;
    const removed = repo.removePerson(personId);
    return { removed, eventsPseudonymised: events, snapshotsDeleted, pseudonym };
  });
}

/** Deletes the face and plate snapshots of a person's events or naming them (the table may not exist in a test's bare schema). */
function deleteLinkedSnapshots(store: Store, personId: string, seqs: readonly number[]): number {
  const table = store.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'face_snapshots'").get();
  if (!table) return 0;
  let n = store.db.prepare('DELETE FROM face_snapshots WHERE person_id = ?').run(personId).changes;
  const bySeq = store.db.prepare('DELETE FROM face_snapshots WHERE event_seq = ?');
  for (const seq of seqs) n += bySeq.run(seq).changes;
  // The plate camera's pictures of their car's passages (store v7).
  if (store.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'plate_snapshots'").get()) {
    const plates = store.db.prepare('DELETE FROM plate_snapshots WHERE event_seq = ?');
    for (const seq of seqs) n += plates.run(seq).changes;
  }
  return n;
}

/**
 * Erases a person (see `erasePersonRecords`) and purges the freed bytes from the
 * database and its WAL.
 */
export function erasePerson(store: Store, repo: PersonRecords, personId: string): ErasedPerson & { checkpoint: CheckpointResult } {
  const erased = erasePersonRecords(store, repo, personId);
  return { ...erased, checkpoint: truncateWal(store) };
}
