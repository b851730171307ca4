/**
 * Which stored events presence (tools/site/presence.ts) has yet to apply. The mark
 * (`events.presence_pending`) is set in the same INSERT as the event and cleared in the
 * transaction that applies it, so after a crash an event is either applied with its
 * mark gone or still marked, never lost and never applied twice. Several sites sharing
 * one store claim a marked row with one conditional UPDATE: a second claim of the same
 * row waits for the first transaction and then finds no mark.
 */
import type { Kysely } from 'kysely';
import type { Database, PassageDirection } from './schema.js';

/** Events name a visitor pass as `pass:{id}`. */
export const PASS_REF_PREFIX = 'pass:';

/** What decides whether an event moves anyone. */
export interface PresenceFacts {
  result: 'granted' | 'denied' | null | undefined;
  plate: string | null | undefined;
  zoneId: number | null;
  direction: PassageDirection | null;
  credentialRef: string | null | undefined;
  personId: string | null | undefined;
}

/**
 * True for an event presence has something to do with: a granted passage of a vehicle
 * (with a zone and direction), of a visitor pass, or of a known person.
 */
export function needsPresence(f: PresenceFacts): boolean {
  if (f.result !== 'granted') return false;
  if (f.plate) return f.zoneId !== null && f.direction !== null;
  return !!f.credentialRef?.startsWith(PASS_REF_PREFIX) || !!f.personId;
}

/** A marked event as presence applies it. */
export interface PendingEvent {
  id: number;
  terminal_id: string;
  seq: number;
  ts: number;
  type: string;
  result: 'granted' | 'denied' | null;
  reason: string | null;
  person_id: string | null;
  credential_type: string | null;
  credential_ref: string | null;
  zone_id: number | null;
  direction: PassageDirection | null;
  plate: string | null;
}

const COLUMNS = ['id', 'terminal_id', 'seq', 'ts', 'type', 'result', 'reason', 'person_id', 'credential_type', 'credential_ref', 'zone_id', 'direction', 'plate'] as const;

export type EventKey = { id: number } | { terminal: string; seq: number };

/**
 * Clears one event's mark and returns the event, or undefined when it has none (nothing
 * to apply, or applied already, by this site or another). Run it in the transaction
 * that applies the event: the mark comes back if that transaction does not commit.
 */
export async function claimPresence(tx: Kysely<Database>, key: EventKey): Promise<PendingEvent | undefined> {
  return (await claimPresenceMany(tx, [key]))[0];
}

/**
 * Claims several events at once (one UPDATE; ids or terminal + seq), for one
 * transaction that applies them all: the ones still marked, in no particular order.
 */
export async function claimPresenceMany(tx: Kysely<Database>, keys: ReadonlyArray<EventKey>): Promise<PendingEvent[]> {
  if (keys.length === 0) return [];
  return tx
    .updateTable('events')
    .set({ presence_pending: null })
    .where('presence_pending', 'is not', null)
    .where((eb) => eb.or(keys.map((k) => ('id' in k ? eb('id', '=', k.id) : eb.and([eb('terminal_id', '=', k.terminal), eb('seq', '=', k.seq)])))))
    .returning([...COLUMNS])
    .execute();
}

/** Gives up on one event (it cannot be applied): its mark is cleared without applying it. */
export async function dropPresence(db: Kysely<Database>, key: EventKey): Promise<void> {
  let q = db.updateTable('events').set({ presence_pending: null }).where('presence_pending', 'is not', null);
  q = 'id' in key ? q.where('id', '=', key.id) : q.where('terminal_id', '=', key.terminal).where('seq', '=', key.seq);
  await q.execute();
}

/**
 * Marked events in (ts, id) order after `after`; only those received at or before
 * `receivedBy` when given (younger ones are being applied by the site that stored them).
 */
export function pendingPresence(
  db: Kysely<Database>,
  o: { after?: { ts: number; id: number }; receivedBy?: number; limit: number },
): Promise<Array<{ id: number; ts: number }>> {
  let q = db.selectFrom('events').select(['id', 'ts']).where('presence_pending', 'is not', null);
  if (o.after) {
    const { ts, id } = o.after;
    q = q.where(({ or, and, eb }) => or([eb('ts', '>', ts), and([eb('ts', '=', ts), eb('id', '>', id)])]));
  }
  if (o.receivedBy !== undefined) q = q.where('received_at', '<=', o.receivedBy);
  return q.orderBy('ts').orderBy('id').limit(o.limit).execute();
}
