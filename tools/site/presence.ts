/**
 * Keeps who is where (positions), visits and the zone-wide use count of visitor passes
 * from granted passages. Each event is applied in one transaction with the clearing of
 * its `presence_pending` mark (store/presence-pending.ts), so a crash after the ingest's
 * commit loses no passage: on start, and every `sweepEveryMs` for rows another site
 * sharing the store left behind, the still-marked events are applied in (ts, id) order.
 * Newly stored events (`Ingest.onStored`) are applied one at a time as they come.
 *
 * A pass's uses are counted here across every terminal of its path. Terminals count
 * per terminal (offline too); when the site's count reaches `maxUses`, the pass is
 * marked used up here and `onUsedUp` is told, so the site can stop it at the
 * terminals (see docs/security.md, "Visitor passes").
 */
import type { FleetLogger, Unsubscribe } from '@limen/sdk';
import type { Kysely } from 'kysely';
import { SiteError } from './errors.js';
import type { IngestedEvent } from './ingest.js';
import {
  claimPresenceMany,
  closeVisit,
  countPassUse,
  dropPresence,
  enterVisit,
  getVisitor,
  pendingPresence,
  PASS_REF_PREFIX,
  recordPassage,
  revokePass,
  visitorByPersonId,
  type Database,
  type EventKey,
  type PendingEvent,
  type SiteStore,
  type SubjectKind,
  type Visitor,
  type VisitorPass,
} from './store/index.js';

export { PASS_REF_PREFIX };
/** A vehicle's position is kept under `plate:{plate}`. */
export const PLATE_SUBJECT_PREFIX = 'plate:';

export interface Presence {
  /** Called after each newly stored event was applied (tests wait on it; live views may refresh). */
  onApplied(listener: (e: IngestedEvent) => void): Unsubscribe;
  /** Events the catch-ups applied (they were stored while presence did not run). */
  readonly caughtUp: { count: number };
  /**
   * Applies the events still marked (stored, presence not run), in (ts, id) order, after
   * whatever is queued; with `receivedBy`, only those received by then. Resolves with
   * how many this call applied (another site sharing the store may have taken some).
   */
  catchUp(o?: { receivedBy?: number }): Promise<number>;
  /** Resolves once everything queued so far is done. */
  idle(): Promise<void>;
  stop(): void;
}

/** Default period of the sweep for marked events another site left behind. */
export const PRESENCE_SWEEP_MS = 30_000;
const PAGE = 200;
/** Newly stored events applied in one transaction, at most. */
const BATCH = 100;

export interface PresenceOptions {
  store: SiteStore;
  /** Newly stored events (`Ingest.onStored`). */
  source: { onStored(listener: (e: IngestedEvent) => void): Unsubscribe };
  /** A pass reached its use limit across the zone. */
  onUsedUp?: (pass: VisitorPass) => Promise<void> | void;
  logger?: FleetLogger;
  now?: () => number;
  /**
   * Every so often, apply events marked for longer than this (a site sharing the store
   * stopped before applying them); 0: only at start. Default PRESENCE_SWEEP_MS.
   */
  sweepEveryMs?: number;
}

/** Applies one granted passage; returns the pass it used up, if any (told once committed). */
async function apply(db: Kysely<Database>, e: PendingEvent, now: number): Promise<VisitorPass | undefined> {
  const ts = Number(e.ts);
  // A vehicle moves itself (parking occupancy), not its owner: the driver may be anyone.
  if (e.plate) {
    if (e.zone_id !== null && e.direction !== null) await recordPassage(db, { subject: `${PLATE_SUBJECT_PREFIX}${e.plate}`, kind: 'vehicle', zoneId: e.zone_id, direction: e.direction, ts });
    return undefined;
  }
  let visitor: Visitor | undefined;
  let pass: VisitorPass | undefined;
  let usedUp: VisitorPass | undefined;
  if (e.credential_ref?.startsWith(PASS_REF_PREFIX)) {
    pass = await countPassUse(db, e.credential_ref.slice(PASS_REF_PREFIX.length));
    if (pass) {
      visitor = await getVisitor(db, pass.visitor_id);
      if (pass.uses >= pass.max_uses && pass.revoked_at === null) pass = usedUp = await revokePass(db, pass.id, now);
    }
  } else if (e.person_id) {
    visitor = await visitorByPersonId(db, e.person_id);
  }
  const subject = visitor?.person_id ?? e.person_id;
  if (!subject) return usedUp;
  let kind: SubjectKind = 'visitor';
  if (!visitor) kind = (await db.selectFrom('persons').select('id').where('id', '=', subject).executeTakeFirst()) ? 'resident' : 'unknown';
  const moved = e.zone_id !== null && e.direction !== null ? await recordPassage(db, { subject, kind, zoneId: e.zone_id, direction: e.direction, ts }) : undefined;
  if (!visitor) return usedUp;
  if (e.direction !== 'out') await enterVisit(db, { visitorId: visitor.id, passId: pass?.id ?? null, at: ts, terminal: e.terminal_id, zoneId: e.zone_id });
  else if (moved === null) await closeVisit(db, visitor.id, ts, 'exit');
  return usedUp;
}

export function startPresence(o: PresenceOptions): Presence {
  const { db } = o.store;
  const now = o.now ?? Date.now;
  const listeners = new Set<(e: IngestedEvent) => void>();
  const caughtUp = { count: 0 };
  const notify = (e: IngestedEvent) => {
    for (const l of listeners) {
      try {
        l(e);
      } catch (err) {
        // A broken live view must not stop presence.
        o.logger?.error({ err }, 'site: presence listener failed');
      }
    }
  };

  const tell = async (pass: VisitorPass) => {
    try {
      await o.onUsedUp?.(pass);
    } catch (err) {
      o.logger?.error({ err, pass: pass.id }, 'site: used-up pass not handled');
    }
  };

  /**
   * Claims and applies events (in the order given) in one transaction; how many it
   * applied. When that fails, each is tried alone, so one bad event holds up no other.
   */
  const applyAll = async (keys: EventKey[]): Promise<number> => {
    const usedUp: VisitorPass[] = [];
    let applied = 0;
    try {
      await db.transaction().execute(async (tx) => {
        const rows = await claimPresenceMany(tx, keys);
        const id = (k: EventKey) => ('id' in k ? `#${k.id}` : `${k.terminal}\n${k.seq}`);
        const byKey = new Map<string, PendingEvent>(rows.flatMap((r) => [[`#${r.id}`, r] as const, [`${r.terminal_id}\n${Number(r.seq)}`, r] as const]));
        for (const k of keys) {
          const row = byKey.get(id(k));
          if (!row) continue;
          const pass = await apply(tx, row, now());
          if (pass) usedUp.push(pass);
          applied++;
        }
      });
    } catch (err) {
      if (keys.length > 1) {
        let n = 0;
        for (const k of keys) n += await applyAll([k]);
        return n;
      }
      o.logger?.error({ err, event: keys[0] }, 'site: presence update failed');
      // An event the store's data cannot take (its zone or visitor gone) is given up;
      // any other failure keeps the mark, and a later catch-up tries again.
      if (err instanceof SiteError) await dropPresence(db, keys[0]!).catch(() => undefined);
      return 0;
    }
    for (const pass of usedUp) await tell(pass);
    return applied;
  };

  const catchUp = async (receivedBy?: number): Promise<number> => {
    let applied = 0;
    let after: { ts: number; id: number } | undefined;
    for (;;) {
      const page = await pendingPresence(db, { limit: PAGE, ...(after && { after }), ...(receivedBy !== undefined && { receivedBy }) });
      for (const p of page) {
        // One transaction each: sites sharing the store may be catching up on the same rows.
        const n = await applyAll([{ id: p.id }]);
        applied += n;
        caughtUp.count += n;
      }
      if (page.length < PAGE) return applied;
      const last = page.at(-1)!;
      after = { ts: Number(last.ts), id: last.id };
    }
  };

  // One at a time, in order: positions and visits depend on the previous event.
  let chain: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(job: () => Promise<T>): Promise<T> => {
    const run = chain.then(job);
    chain = run.catch((err: unknown) => o.logger?.error({ err }, 'site: presence catch-up failed'));
    return run;
  };

  // What a crash (or a stopped site sharing the store) left marked goes first.
  void enqueue(() => catchUp()).catch(() => undefined);
  const sweepMs = o.sweepEveryMs ?? PRESENCE_SWEEP_MS;
  const sweep = sweepMs > 0 ? setInterval(() => void enqueue(() => catchUp(now() - sweepMs)).catch(() => undefined), sweepMs) : undefined;
  sweep?.unref();

  // New events wait in `arrived`; one queued job applies what has arrived by the time it
  // runs (up to BATCH, one transaction), so a burst pays one commit per batch.
  const arrived: IngestedEvent[] = [];
  let drainQueued = false;
  const drain = async () => {
    drainQueued = false;
    const batch = arrived.splice(0, BATCH);
    if (arrived.length > 0) schedule();
    // The stored row decides what it does (needsPresence marked it); nothing else moves anyone.
    const keys = batch.filter((e) => e.result === 'granted').map((e) => ({ terminal: e.terminal, seq: e.seq }));
    if (keys.length > 0) await applyAll(keys);
    for (const e of batch) notify(e);
  };
  const schedule = () => {
    if (drainQueued) return;
    drainQueued = true;
    void enqueue(drain).catch(() => undefined);
  };
  const off = o.source.onStored((e) => {
    arrived.push(e);
    schedule();
  });
  return {
    onApplied(l) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    caughtUp,
    catchUp: (c = {}) => enqueue(() => catchUp(c.receivedBy)),
    idle: () => enqueue(async () => undefined),
    stop() {
      off();
      if (sweep) clearInterval(sweep);
    },
  };
}
