/**
 * Visitor passes the fleet revoked (`passes.revoke`): used up across the site's zone,
 * or cancelled by staff. A terminal verifies passes offline and counts only its own
 * uses, so without this a pass used up at the gate would still open the building door.
 * Each row is kept until the pass's own `validUntil`; after that the pass is refused as
 * expired anyway and the row goes (table `revoked_passes`, store migration v8).
 */
import type { Store } from '../store/store.js';

export interface RevokedPass {
  id: string;
  /** The pass's end (ms): the row is useless after it. */
  validUntil: number;
}

export class PassRevocations {
  constructor(private readonly store: Store) {}

  /**
   * Records the passes as revoked (again is fine) and drops rows of expired ones, in one
   * transaction. Returns how many of `passes` are now refused (expired ones are not kept).
   */
  revoke(passes: readonly RevokedPass[], now: number): number {
    const db = this.store.db;
    const put = db.prepare(
      `INSERT INTO revoked_passes (pass_id, valid_until, revoked_at) VALUES (?, ?, ?)
       ON CONFLICT (pass_id) DO UPDATE SET valid_until = max(valid_until, excluded.valid_until)`,
    );
    return this.store.transaction(() => {
      let kept = 0;
      for (const p of passes) {
        if (p.validUntil <= now) continue;
        put.run(p.id, p.validUntil, now);
        kept++;
      }
      this.purgeExpired(now);
      return kept;
    });
  }

  isRevoked(passId: string): boolean {
    return this.store.db.prepare<[string], number>('SELECT 1 FROM revoked_passes WHERE pass_id = ?').pluck().get(passId) !== undefined;
  }

  /** Forgets revocations of passes that ended at or before `now` (they are refused as expired). */
  purgeExpired(now: number): number {
    return this.store.db.prepare('DELETE FROM revoked_passes WHERE valid_until <= ?').run(now).changes;
  }

  count(): number {
    return this.store.db.prepare<[], number>('SELECT count(*) FROM revoked_passes').pluck().get() ?? 0;
  }
}
