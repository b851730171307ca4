/**
 * Visitor passes on the terminal: verified offline against the trusted fleet
 * keys, limited to this terminal (by id or zone) and their validity window, and
 * their uses counted in the store, so a pass with `n` uses opens `n` times, also
 * across restarts. A pass the fleet revoked (`passes.revoke`) is refused.
 */
import { decodePassToken, type TrustedKeys, type VisitorPass } from '@limen/sdk/protocol';
import type { Store } from '../store/store.js';
import { PassRevocations } from './pass-revocations.js';
import type { AccessReason } from './types.js';

export type PassCheck =
  | { ok: true; pass: VisitorPass; uses: number }
  | { ok: false; reason: Extract<AccessReason, `pass-${string}`>; passId?: string; detail: string };

/** What `decide` needs for QR credentials. */
export interface PassVerifier {
  check(token: string, now: number): PassCheck;
}

export interface VisitorPassesOptions {
  store: Store;
  trustedKeys: TrustedKeys;
  terminalId: string;
  /** Zones this terminal belongs to. */
  zones?: string[];
}

export class VisitorPasses implements PassVerifier {
  private trusted: TrustedKeys;
  private readonly zones: Set<string>;
  private readonly revocations: PassRevocations;

  constructor(private readonly o: VisitorPassesOptions) {
    if (!o?.store) throw new TypeError('VisitorPasses: store is required');
    this.trusted = o.trustedKeys;
    this.zones = new Set(o.zones ?? []);
    this.revocations = new PassRevocations(o.store);
    // The use counts live in visitor_pass_uses (store migration v4).
  }

  /** Key rotation: the same keys as for signed commands. */
  setTrustedKeys(keys: TrustedKeys): void {
    this.trusted = keys;
  }

  usesOf(passId: string): number {
    return this.o.store.db.prepare<[string], number>('SELECT uses FROM visitor_pass_uses WHERE pass_id = ?').pluck().get(passId) ?? 0;
  }

  check(token: string, now: number): PassCheck {
    const d = decodePassToken(token, this.trusted);
    if (!d.ok) return { ok: false, reason: 'pass-invalid', detail: d.code };
    const p = d.pass;
    if (now < p.validFrom) return { ok: false, reason: 'pass-not-yet-valid', passId: p.id, detail: 'PASS_NOT_YET_VALID' };
    if (now >= p.validUntil) return { ok: false, reason: 'pass-expired', passId: p.id, detail: 'PASS_EXPIRED' };
    if (!p.terminals.includes(this.o.terminalId) && !p.zones.some((z) => this.zones.has(z))) {
      return { ok: false, reason: 'pass-wrong-terminal', passId: p.id, detail: 'PASS_WRONG_TERMINAL' };
    }
    // Used up across the site's zone, or cancelled by staff (`passes.revoke`).
    if (this.revocations.isRevoked(p.id)) return { ok: false, reason: 'pass-revoked', passId: p.id, detail: 'PASS_REVOKED' };
    const uses = this.usesOf(p.id);
    if (uses >= p.maxUses) return { ok: false, reason: 'pass-used-up', passId: p.id, detail: 'PASS_USED_UP' };
    return { ok: true, pass: p, uses };
  }

  /** Counts one use; call in the transaction that records the granted decision. */
  recordUse(passId: string, validUntil: number, now: number): number {
    this.o.store.db
      .prepare(
        `INSERT INTO visitor_pass_uses (pass_id, uses, valid_until, last_used) VALUES (?, 1, ?, ?)
         ON CONFLICT (pass_id) DO UPDATE SET uses = uses + 1, last_used = excluded.last_used`,
      )
      .run(passId, validUntil, now);
    return this.usesOf(passId);
  }

  /** Forgets use counts and revocations of passes that expired before `before` (they can no longer open anything). */
  purgeExpired(before: number): number {
    return this.o.store.db.prepare('DELETE FROM visitor_pass_uses WHERE valid_until < ?').run(before).changes + this.revocations.purgeExpired(before - 1);
  }
}
