/**
 * Follows newly stored events to keep who is where (positions), visits and the
 * zone-wide use count of visitor passes. Events are applied one at a time in the
 * order this process stored them; only granted passages move anyone.
 *
 * A pass's uses are counted here across every terminal of its path. Terminals count
 * per terminal (offline too); when the site's count reaches `maxUses`, the pass is
 * marked used up here and `onUsedUp` is told, so the site can stop it at the
 * terminals (see docs/security.md, "Visitor passes").
 */
import type { FleetLogger, Unsubscribe } from '@limen/sdk';
import type { IngestedEvent } from './ingest.js';
import {
  closeVisit,
  countPassUse,
  enterVisit,
  getVisitor,
  recordPassage,
  revokePass,
  visitorByPersonId,
  type SiteStore,
  type SubjectKind,
  type Visitor,
  type VisitorPass,
} from './store/index.js';

export const PASS_REF_PREFIX = 'pass:';
/** A vehicle's position is kept under `plate:{plate}`. */
export const PLATE_SUBJECT_PREFIX = 'plate:';

export interface Presence {
  /** Called after each event was applied (tests wait on it; live views may refresh). */
  onApplied(listener: (e: IngestedEvent) => void): Unsubscribe;
  stop(): void;
}

export interface PresenceOptions {
  store: SiteStore;
  /** Newly stored events (`Ingest.onStored`). */
  source: { onStored(listener: (e: IngestedEvent) => void): Unsubscribe };
  /** A pass reached its use limit across the zone. */
  onUsedUp?: (pass: VisitorPass) => Promise<void> | void;
  logger?: FleetLogger;
  now?: () => number;
}

export function startPresence(o: PresenceOptions): Presence {
  const { db } = o.store;
  const now = o.now ?? Date.now;
  const listeners = new Set<(e: IngestedEvent) => void>();

  const apply = async (e: IngestedEvent) => {
    if (e.result !== 'granted') return;
    // A vehicle moves itself (parking occupancy), not its owner: the driver may be anyone.
    if (e.plate) {
      if (e.zoneId !== null && e.direction !== null) await recordPassage(db, { subject: `${PLATE_SUBJECT_PREFIX}${e.plate}`, kind: 'vehicle', zoneId: e.zoneId, direction: e.direction, ts: e.ts });
      return;
    }
    let visitor: Visitor | undefined;
    let pass: VisitorPass | undefined;
    if (e.credentialRef?.startsWith(PASS_REF_PREFIX)) {
      pass = await countPassUse(db, e.credentialRef.slice(PASS_REF_PREFIX.length));
      if (pass) {
        visitor = await getVisitor(db, pass.visitor_id);
        if (pass.uses >= pass.max_uses && pass.revoked_at === null) {
          pass = await revokePass(db, pass.id, now());
          await o.onUsedUp?.(pass);
        }
      }
    } else if (e.personId) {
      visitor = await visitorByPersonId(db, e.personId);
    }
    const subject = visitor?.person_id ?? e.personId;
    if (!subject) return;
    let kind: SubjectKind = 'visitor';
    if (!visitor) kind = (await db.selectFrom('persons').select('id').where('id', '=', subject).executeTakeFirst()) ? 'resident' : 'unknown';
    const moved = e.zoneId !== null && e.direction !== null ? await recordPassage(db, { subject, kind, zoneId: e.zoneId, direction: e.direction, ts: e.ts }) : undefined;
    if (!visitor) return;
    if (e.direction !== 'out') await enterVisit(db, { visitorId: visitor.id, passId: pass?.id ?? null, at: e.ts, terminal: e.terminal, zoneId: e.zoneId });
    else if (moved === null) await closeVisit(db, visitor.id, e.ts, 'exit');
  };

  // One at a time, in arrival order: positions and visits depend on the previous event.
  let chain = Promise.resolve();
  const off = o.source.onStored((e) => {
    chain = chain
      .then(() => apply(e))
      .catch((err: unknown) => o.logger?.error({ err, terminal: e.terminal, seq: e.seq }, 'site: presence update failed'))
      .then(() => {
        for (const l of listeners) l(e);
      });
  });
  return {
    onApplied(l) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    stop: off,
  };
}
