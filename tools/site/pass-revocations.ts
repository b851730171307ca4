/**
 * Stops visitor passes at the terminals: a pass used up across its path (presence.ts) or
 * revoked by staff is sent with `passes.revoke` to every terminal of its path, which
 * refuses it from then on, offline too, until it expires. Terminals verify passes offline
 * and count only their own uses, so without this a one-use pass used at the gate would
 * still open the building door.
 *
 * `pass_revocations_sent` holds which terminal confirmed which pass. A terminal that is
 * offline or fails keeps no row, so reconciling it when it comes back online sends
 * whatever it missed; a pass past its `valid_until` is never sent (terminals refuse it
 * as expired anyway).
 */
import type { Fleet, FleetLogger } from '@limen/sdk';
import { passTerminals, type SiteStore } from './store/index.js';

export interface PassRevocations {
  /** Sends one revoked pass to the terminals of its path that have not confirmed it. */
  send(passId: string): Promise<void>;
  /** Sends a terminal every revoked, still valid pass of its path it has not confirmed (it came back online). */
  reconcileTerminal(terminalId: string): Promise<void>;
}

export interface PassRevocationOptions {
  store: SiteStore;
  fleet: Fleet;
  logger?: FleetLogger;
  now?: () => number;
}

export function passRevocations(o: PassRevocationOptions): PassRevocations {
  const { db } = o.store;
  const now = o.now ?? Date.now;

  /** Terminal -> the passes it still has to be told about (of `passId`, or all revoked ones). */
  const pending = async (filter: { passId?: string; terminal?: string }) => {
    let q = db.selectFrom('visitor_passes').select(['id', 'terminals', 'valid_until']).where('revoked_at', 'is not', null).where('valid_until', '>', now());
    if (filter.passId !== undefined) q = q.where('id', '=', filter.passId);
    const passes = await q.execute();
    if (passes.length === 0) return new Map<string, Array<{ id: string; validUntil: number }>>();
    let sent = db.selectFrom('pass_revocations_sent').select(['pass_id', 'terminal_id']);
    if (filter.passId !== undefined) sent = sent.where('pass_id', '=', filter.passId);
    if (filter.terminal !== undefined) sent = sent.where('terminal_id', '=', filter.terminal);
    const done = new Set((await sent.execute()).map((r) => `${r.pass_id} ${r.terminal_id}`));
    const out = new Map<string, Array<{ id: string; validUntil: number }>>();
    for (const p of passes) {
      for (const t of passTerminals(p)) {
        if ((filter.terminal !== undefined && t !== filter.terminal) || done.has(`${p.id} ${t}`)) continue;
        out.set(t, [...(out.get(t) ?? []), { id: p.id, validUntil: p.valid_until }]);
      }
    }
    return out;
  };

  const sendTo = async (terminal: string, passes: Array<{ id: string; validUntil: number }>) => {
    // Known offline: it gets them when it comes back (reconcileTerminal), no request to wait out.
    if (o.fleet.terminal(terminal).info()?.online === false) return;
    try {
      await o.fleet.terminal(terminal).passes.revoke(passes);
    } catch (err) {
      o.logger?.warn({ err, terminal, passes: passes.length }, 'site: pass revocation not delivered; retried when the terminal comes back online');
      return;
    }
    const at = now();
    // A few hundred rows per INSERT stays under SQLite's bound-parameter limit.
    for (let i = 0; i < passes.length; i += 500) {
      await db
        .insertInto('pass_revocations_sent')
        .values(passes.slice(i, i + 500).map((p) => ({ pass_id: p.id, terminal_id: terminal, sent_at: at })))
        .onConflict((oc) => oc.columns(['pass_id', 'terminal_id']).doNothing())
        .execute();
    }
  };

  const deliver = async (byTerminal: Map<string, Array<{ id: string; validUntil: number }>>) => {
    await Promise.all([...byTerminal].map(([t, passes]) => sendTo(t, passes)));
  };

  return {
    send: async (passId) => deliver(await pending({ passId })),
    reconcileTerminal: async (terminal) => deliver(await pending({ terminal })),
  };
}
