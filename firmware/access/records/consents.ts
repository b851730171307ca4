// Consents: what a person agreed to, when, how, and the record given with it.
import { truncateWal } from '../../store/wal.js';
import { consentKindSchema, consentSchema, parse } from '../inputs.js';
import { FACE_CONSENT, type Consent } from '../types.js';
import { toConsent, type ConsentRow } from './rows.js';
import type { AccessTables } from './tables.js';

export class ConsentRecords {
  constructor(private readonly t: AccessTables) {}

  grant(personId: string, kind: string, input: { source: string; grantedAt?: number; record?: Record<string, unknown> | null }): Consent {
    const k = parse(consentKindSchema, kind, 'consent kind');
    const c = parse(consentSchema, input, 'consent');
    const { store } = this.t;
    return store.transaction(() => {
      this.t.requirePerson(personId);
      const consent: Consent = { personId, kind: k, grantedAt: c.grantedAt ?? store.clock.now(), source: c.source, record: c.record ?? null };
      this.t
        .sql(
          `INSERT INTO consents (person_id, kind, granted_at, source, record) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (person_id, kind) DO UPDATE SET granted_at = excluded.granted_at, source = excluded.source, record = excluded.record`,
        )
        .run(personId, k, consent.grantedAt, consent.source, consent.record === null ? null : JSON.stringify(consent.record));
      return consent;
    });
  }

  /** See AccessRepository.revokeConsent. */
  revoke(personId: string, kind: string): boolean {
    const { store } = this.t;
    let templatesDeleted = 0;
    const removed = store.transaction(() => {
      const consentRemoved = this.t.sql('DELETE FROM consents WHERE person_id = ? AND kind = ?').run(personId, kind).changes > 0;
      if (kind === FACE_CONSENT) templatesDeleted = store.templates.removePerson(personId);
      return consentRemoved;
    });
    // As for an erased person: no copy of the deleted templates may stay in the WAL.
    if (templatesDeleted > 0 && !store.db.inTransaction) truncateWal(store);
    return removed;
  }

  has(personId: string, kind: string): boolean {
    return this.t.sql('SELECT 1 FROM consents WHERE person_id = ? AND kind = ?').get(personId, kind) !== undefined;
  }

  list(personId: string): Consent[] {
    return this.t.sql<[string], ConsentRow>('SELECT * FROM consents WHERE person_id = ? ORDER BY kind').all(personId).map(toConsent);
  }
}
