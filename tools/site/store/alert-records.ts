/** Raised alerts and what staff did with them: open → acknowledged → closed, with notes. */
import type { Kysely } from 'kysely';
import { SiteError } from '../errors.js';
import type { AlertRow, AlertState } from './alerts-schema.js';
import type { Database } from './schema.js';

/** What an alert is about besides a person, terminal or plate. */
export interface AlertSubject {
  unit: { id: number; label: string };
  /** The unit's inspector; null while none is assigned. */
  inspector: { id: number; username: string } | null;
}

export interface NewAlert {
  ruleId: string;
  ruleVersion: number;
  trigger: string;
  severity: string;
  zoneId: number | null;
  terminalId: string | null;
  personId: string | null;
  event: { terminal: string; seq: number } | null;
  score: number | null;
  liveness: number | null;
  snapshot: string | null;
  dedupeKey: string | null;
  /** A vehicle's plate (`plate-appears`). */
  plate?: string | null;
  /** An overdue unit and its inspector (`inspection-overdue`). */
  subject?: AlertSubject | null;
  /** When it happened (the event's time, or the clock's for timed triggers). */
  at: number;
}

export async function insertAlert(db: Kysely<Database>, a: NewAlert, now: number): Promise<AlertRow> {
  return db
    .insertInto('alerts')
    .values({
      rule_id: a.ruleId,
      rule_version: a.ruleVersion,
      trigger: a.trigger,
      severity: a.severity,
      zone_id: a.zoneId,
      terminal_id: a.terminalId,
      person_id: a.personId,
      event_terminal: a.event?.terminal ?? null,
      event_seq: a.event?.seq ?? null,
      score: a.score,
      liveness: a.liveness,
      snapshot: a.snapshot,
      dedupe_key: a.dedupeKey,
      plate: a.plate ?? null,
      subject: a.subject ? JSON.stringify(a.subject) : null,
      sightings: 1,
      first_seen_at: a.at,
      last_seen_at: a.at,
      state: 'open',
      created_at: now,
      acknowledged_at: null,
      acknowledged_by: null,
      closed_at: null,
      closed_by: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * A sighting that joins an alert of the same rule and key whose last sighting is less
 * than `windowMs` before it: counted there, and the alert returned; else undefined.
 */
export async function joinRecentAlert(db: Kysely<Database>, ruleId: string, key: string, at: number, windowMs: number): Promise<AlertRow | undefined> {
  const recent = await db
    .selectFrom('alerts')
    .selectAll()
    .where('rule_id', '=', ruleId)
    .where('dedupe_key', '=', key)
    .where('last_seen_at', '>', at - windowMs)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!recent) return undefined;
  await db
    .updateTable('alerts')
    .set((eb) => ({ sightings: eb('sightings', '+', 1), last_seen_at: Math.max(at, recent.last_seen_at) }))
    .where('id', '=', recent.id)
    .execute();
  return recent;
}

/** An alert of this rule and key, with the evidence it lacked filled in from `proof`; undefined when there is none. */
export async function enrichAlert(
  db: Kysely<Database>,
  ruleId: string,
  key: string,
  proof: { score: number | null; liveness: number | null; snapshot: string | null },
): Promise<AlertRow | undefined> {
  const found = await db.selectFrom('alerts').selectAll().where('rule_id', '=', ruleId).where('dedupe_key', '=', key).executeTakeFirst();
  if (!found) return undefined;
  await db
    .updateTable('alerts')
    .set({ score: found.score ?? proof.score, liveness: found.liveness ?? proof.liveness, snapshot: found.snapshot ?? proof.snapshot })
    .where('id', '=', found.id)
    .execute();
  return found;
}

export async function getAlert(db: Kysely<Database>, id: number): Promise<AlertRow> {
  const row = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new SiteError('NOT_FOUND', `no alert ${id}`);
  return row;
}

export interface AlertQuery {
  state?: AlertState | AlertState[];
  trigger?: string;
  zoneId?: number;
  personId?: string;
  from?: number;
  to?: number;
  before?: number;
  limit?: number;
}

export function searchAlerts(db: Kysely<Database>, q: AlertQuery = {}): Promise<AlertRow[]> {
  let s = db.selectFrom('alerts').selectAll();
  const states = q.state === undefined ? [] : [q.state].flat();
  if (states.length > 0) s = s.where('state', 'in', states);
  if (q.trigger) s = s.where('trigger', '=', q.trigger);
  if (q.zoneId !== undefined) s = s.where('zone_id', '=', q.zoneId);
  if (q.personId) s = s.where('person_id', '=', q.personId);
  if (q.from !== undefined) s = s.where('created_at', '>=', q.from);
  if (q.to !== undefined) s = s.where('created_at', '<', q.to);
  if (q.before !== undefined) s = s.where('id', '<', q.before);
  return s.orderBy('id', 'desc').limit(Math.min(Math.max(1, q.limit ?? 100), 1000)).execute();
}

const NEXT: Record<'acknowledge' | 'close', { from: AlertState[]; to: AlertState }> = {
  acknowledge: { from: ['open'], to: 'acknowledged' },
  close: { from: ['open', 'acknowledged'], to: 'closed' },
};

/** Moves an alert on (open → acknowledged → closed; an open one may be closed at once). */
export async function moveAlert(db: Kysely<Database>, id: number, step: 'acknowledge' | 'close', by: string | null, now: number): Promise<AlertRow> {
  const { from, to } = NEXT[step];
  const set = step === 'acknowledge' ? { state: to, acknowledged_at: now, acknowledged_by: by } : { state: to, closed_at: now, closed_by: by };
  const r = await db.updateTable('alerts').set(set).where('id', '=', id).where('state', 'in', from).executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) {
    const alert = await getAlert(db, id);
    throw new SiteError('CONFLICT', `alert ${id} is ${alert.state}: cannot ${step} it`);
  }
  return getAlert(db, id);
}

export async function addAlertNote(db: Kysely<Database>, alertId: number, text: string, by: string | null, now: number): Promise<void> {
  await getAlert(db, alertId);
  await db.insertInto('alert_notes').values({ alert_id: alertId, at: now, username: by, text }).execute();
}

export function alertNotes(db: Kysely<Database>, alertId: number) {
  return db.selectFrom('alert_notes').select(['at', 'username', 'text']).where('alert_id', '=', alertId).orderBy('id').execute();
}

/** Whether this rule already raised an alert under this key (an overdue unit: once per overdue spell). */
export async function alertKeyRaised(db: Kysely<Database>, ruleId: string, key: string): Promise<boolean> {
  return (await db.selectFrom('alerts').select('id').where('rule_id', '=', ruleId).where('dedupe_key', '=', key).executeTakeFirst()) !== undefined;
}

/** The latest alert of a rule about a person (long absence: raised once per absence). */
export function lastAlertFor(db: Kysely<Database>, ruleId: string, personId: string) {
  return db.selectFrom('alerts').select(['id', 'created_at']).where('rule_id', '=', ruleId).where('person_id', '=', personId).orderBy('id', 'desc').executeTakeFirst();
}

/**
 * Each person's last granted passage, at any terminal or, given a scope with zones or
 * terminals, only at its terminals and in its zones' subtrees (the zone the event was
 * ingested in).
 */
export async function lastPassages(
  db: Kysely<Database>,
  personIds: string[],
  scope: { zones: number[]; terminals: string[] } = { zones: [], terminals: [] },
): Promise<Map<string, number>> {
  if (personIds.length === 0) return new Map();
  let q = db
    .selectFrom('events')
    .select(['person_id', (eb) => eb.fn.max('ts').as('ts')])
    .where('person_id', 'in', personIds)
    .where('result', '=', 'granted');
  if (scope.zones.length > 0 || scope.terminals.length > 0) {
    q = q.where((eb) => {
      const or = [];
      if (scope.terminals.length > 0) or.push(eb('terminal_id', 'in', scope.terminals));
      if (scope.zones.length > 0) {
        const subtree = eb.selectFrom('zones').select('id').where((z) => z.or(scope.zones.map((id) => z('path', 'like', `%/${id}/%`))));
        or.push(eb('zone_id', 'in', subtree));
      }
      return eb.or(or);
    });
  }
  const rows = await q.groupBy('person_id').execute();
  return new Map(rows.map((r) => [r.person_id!, Number(r.ts)]));
}
