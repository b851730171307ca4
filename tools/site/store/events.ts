/**
 * Entry records: terminal events as the site keeps them. Writing is idempotent on
 * (terminal, seq) so at-least-once delivery stores each event once; reading is a
 * filtered, newest-first, keyset-paged search.
 */
import type { ExpressionBuilder, Kysely, SelectQueryBuilder } from 'kysely';
import { SiteError } from '../errors.js';
import { normaliseCard } from './residents.js';
import { plateOfEvent, plateQuery, recordedPlate, unitVehicleTerminalId } from './vehicles.js';
import type { Database, PassageDirection, Terminal } from './schema.js';
import { getZone } from './zones.js';
import { needsPresence } from './presence-pending.js';

/** An event as it comes off the fleet (the SDK's `FleetEvent` fits). */
export interface IncomingEvent {
  terminal: string;
  seq: number;
  ts: number;
  type: string;
  result?: 'granted' | 'denied' | null;
  reason?: string | null;
  personId?: string | null;
  credentialType?: string | null;
  credentialRef?: string | null;
  data?: Record<string, unknown> | null;
}

/**
 * The zone and direction of an event from where its terminal sits: an `in` or `out`
 * terminal gives its own direction; a `both` terminal's event may say which way
 * (`data.direction`), else the direction is unknown.
 */
export function placeEvent(e: IncomingEvent, terminal: Pick<Terminal, 'zone_id' | 'direction'> | undefined): { zoneId: number | null; direction: PassageDirection | null } {
  if (!terminal) return { zoneId: null, direction: null };
  const said = e.data?.direction;
  const direction = terminal.direction !== 'both' ? terminal.direction : said === 'in' || said === 'out' ? said : null;
  return { zoneId: terminal.zone_id, direction };
}

/** Stores the event unless (terminal, seq) is already there; true when it was new. */
export async function insertEvent(
  db: Kysely<Database>,
  e: IncomingEvent,
  terminal: Pick<Terminal, 'zone_id' | 'direction'> | undefined,
  now = Date.now(),
): Promise<boolean> {
  const [stored] = await insertEvents(db, [{ event: e, terminal }], now);
  return stored!;
}

/** Rows per INSERT: 16 columns each stays under SQLite's 32766 bound parameters. */
const ROWS_PER_INSERT = 500;

/**
 * Stores several events in one transaction (one commit for the lot), each unless
 * (terminal, seq) is already there; for each, true when it was new.
 */
export async function insertEvents(
  db: Kysely<Database>,
  items: ReadonlyArray<{ event: IncomingEvent; terminal: Pick<Terminal, 'zone_id' | 'direction'> | undefined }>,
  now = Date.now(),
): Promise<boolean[]> {
  const key = (terminal: string, seq: number) => `${seq} ${terminal}`;
  const fresh = new Set<string>();
  const write = async (tx: Kysely<Database>) => {
    for (let i = 0; i < items.length; i += ROWS_PER_INSERT) {
      const rows = items.slice(i, i + ROWS_PER_INSERT).map(({ event, terminal }) => row(event, terminal, now));
      const inserted = await tx
        .insertInto('events')
        .values(rows)
        .onConflict((oc) => oc.columns(['terminal_id', 'seq']).doNothing())
        .returning(['terminal_id', 'seq'])
        .execute();
      for (const r of inserted) fresh.add(key(r.terminal_id, r.seq));
    }
  };
  if (items.length <= ROWS_PER_INSERT) await write(db);
  else await db.transaction().execute(write);
  // The same event twice in one call: the first is the new one.
  return items.map(({ event }) => fresh.delete(key(event.terminal, event.seq)));
}

/** The plate a vehicle event reports, for the plate search. */
function plateColumns(e: IncomingEvent): { plate: string | null; plate_key: string | null } {
  const p = recordedPlate(plateOfEvent(e.data));
  return { plate: p?.plate ?? null, plate_key: p?.plate_key ?? null };
}

function row(e: IncomingEvent, terminal: Pick<Terminal, 'zone_id' | 'direction'> | undefined, now: number) {
  const { zoneId, direction } = placeEvent(e, terminal);
  const plate = plateColumns(e);
  // Marked in the same INSERT: a crash before presence applied it leaves the mark (presence-pending.ts).
  const pending = needsPresence({ result: e.result, plate: plate.plate, zoneId, direction, credentialRef: e.credentialRef, personId: e.personId });
  return {
    terminal_id: e.terminal,
    seq: e.seq,
    ts: e.ts,
    type: e.type,
    result: e.result ?? null,
    reason: e.reason ?? null,
    person_id: e.personId ?? null,
    credential_type: e.credentialType ?? null,
    credential_ref: e.credentialRef ?? null,
    zone_id: zoneId,
    direction,
    // A stranger's sealed template is not kept with the records: the anonymous
    // identities hold it, under their own retention (tools/site/community).
    data: e.data == null ? null : JSON.stringify({ ...e.data, template: undefined }),
    received_at: now,
    ...plate,
    presence_pending: pending ? (1 as const) : null,
  };
}

export interface RecordQuery {
  personId?: string;
  /** A visitor's events: their face (their person id) or any of their passes. */
  visitorId?: number;
  /** Events of persons while they lived in this unit, and the passages of the unit's own cars. */
  unitId?: number;
  card?: string;
  /** A vehicle's passages: a whole plate (confusable characters match each other) or a part of one. */
  plate?: string;
  terminalId?: string;
  /** The zone with all its sub-zones. */
  zoneId?: number;
  direction?: PassageDirection;
  result?: 'granted' | 'denied';
  type?: string;
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
}

export interface PageOptions {
  /** Default 50, at most 1000. */
  limit?: number;
  /** `next` of the previous page. */
  cursor?: string;
}

export interface RecordRow {
  id: number;
  terminal: string;
  seq: number;
  ts: number;
  type: string;
  result: 'granted' | 'denied' | null;
  reason: string | null;
  personId: string | null;
  personName: string | null;
  credentialType: string | null;
  credentialRef: string | null;
  zoneId: number | null;
  direction: PassageDirection | null;
  data: Record<string, unknown> | null;
  /** A vehicle passage's plate. */
  plate: string | null;
}

export interface RecordPage {
  records: RecordRow[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  next: string | null;
}

export const MAX_PAGE = 1000;

interface Cursor {
  ts: number;
  id: number;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.ts}.${c.id}`).toString('base64url');
}

function decodeCursor(s: string): Cursor {
  const m = /^(\d{1,16})\.(\d{1,16})$/.exec(Buffer.from(s, 'base64url').toString());
  if (!m) throw new SiteError('INVALID', 'cursor: not one this server gave');
  return { ts: Number(m[1]), id: Number(m[2]) };
}

type EventsQuery = SelectQueryBuilder<Database, 'events', object>;

/** The WHERE clause of a search; the zone's path is looked up first (unknown zone: NOT_FOUND). */
async function filtered(db: Kysely<Database>, q: RecordQuery): Promise<EventsQuery> {
  let s: EventsQuery = db.selectFrom('events');
  if (q.personId !== undefined) s = s.where('events.person_id', '=', q.personId);
  if (q.card !== undefined) s = s.where('events.credential_ref', '=', normaliseCard(q.card)).where('events.credential_type', '=', 'card');
  if (q.visitorId !== undefined) {
    const visitor = await db.selectFrom('visitors').select('person_id').where('id', '=', q.visitorId).executeTakeFirst();
    if (!visitor) throw new SiteError('NOT_FOUND', `no visitor ${q.visitorId}`);
    const passRefs = (await db.selectFrom('visitor_passes').select('id').where('visitor_id', '=', q.visitorId).execute()).map((p) => `pass:${p.id}`);
    s = s.where((eb) => eb.or([eb('events.person_id', '=', visitor.person_id), ...(passRefs.length > 0 ? [eb('events.credential_ref', 'in', passRefs)] : [])]));
  }
  if (q.plate !== undefined) {
    const p = plateQuery(q.plate);
    s = p.whole ? s.where('events.plate_key', '=', p.key) : s.where('events.plate_key', 'like', p.like);
  }
  if (q.terminalId !== undefined) s = s.where('events.terminal_id', '=', q.terminalId);
  if (q.direction !== undefined) s = s.where('events.direction', '=', q.direction);
  if (q.result !== undefined) s = s.where('events.result', '=', q.result);
  if (q.type !== undefined) s = s.where('events.type', '=', q.type);
  if (q.from !== undefined) s = s.where('events.ts', '>=', q.from);
  if (q.to !== undefined) s = s.where('events.ts', '<', q.to);
  if (q.zoneId !== undefined) {
    const { path } = await getZone(db, q.zoneId);
    s = s.where('events.zone_id', 'in', (eb: ExpressionBuilder<Database, 'events'>) => eb.selectFrom('zones').select('zones.id').where('zones.path', 'like', `${path}%`));
  }
  if (q.unitId !== undefined) {
    const unitId = q.unitId;
    // The unit's own cars pass under their terminal ids (`vehicle-{id}`), whoever drives them.
    const cars = (await db.selectFrom('vehicles').select('id').where('unit_id', '=', unitId).execute()).map((v) => unitVehicleTerminalId(v.id));
    const residents = (eb: ExpressionBuilder<Database, 'events'>) => eb.selectFrom('residencies').select('residencies.person_id').where('residencies.unit_id', '=', unitId);
    const inResidency = ({ exists, selectFrom }: ExpressionBuilder<Database, 'events'>) =>
      exists(
        selectFrom('residencies as r')
          .select('r.id')
          .whereRef('r.person_id', '=', 'events.person_id')
          .where('r.unit_id', '=', unitId)
          .whereRef('r.move_in', '<=', 'events.ts')
          .where((eb) => eb.or([eb('r.move_out', 'is', null), eb('r.move_out', '>', eb.ref('events.ts'))])),
      );
    // IN lets the person index drive; EXISTS keeps only a resident's events inside their residency.
    s =
      cars.length === 0
        ? s.where('events.person_id', 'in', residents).where(inResidency)
        : s
            .where((eb) => eb.or([eb('events.person_id', 'in', residents(eb)), eb('events.person_id', 'in', cars)]))
            .where((eb) => eb.or([inResidency(eb), eb('events.person_id', 'in', cars)]));
  }
  return s;
}

function toRow(r: {
  id: number;
  terminal_id: string;
  seq: number;
  ts: number;
  type: string;
  result: 'granted' | 'denied' | null;
  reason: string | null;
  person_id: string | null;
  person_name: string | null;
  credential_type: string | null;
  credential_ref: string | null;
  zone_id: number | null;
  direction: PassageDirection | null;
  data: string | null;
  plate: string | null;
}): RecordRow {
  return {
    id: r.id,
    terminal: r.terminal_id,
    seq: r.seq,
    ts: r.ts,
    type: r.type,
    result: r.result,
    reason: r.reason,
    personId: r.person_id,
    personName: r.person_name,
    credentialType: r.credential_type,
    credentialRef: r.credential_ref,
    zoneId: r.zone_id,
    direction: r.direction,
    data: r.data === null ? null : (JSON.parse(r.data) as Record<string, unknown>),
    plate: r.plate,
  };
}

const pageSize = (page: PageOptions) => Math.min(Math.max(1, page.limit ?? 50), MAX_PAGE);

/** The query of one page (one row more than the page, to tell whether another follows). */
export async function searchQuery(db: Kysely<Database>, q: RecordQuery, page: PageOptions = {}) {
  const limit = pageSize(page);
  let s = await filtered(db, q);
  if (page.cursor !== undefined) {
    const c = decodeCursor(page.cursor);
    s = s.where(({ or, and, eb }) => or([eb('events.ts', '<', c.ts), and([eb('events.ts', '=', c.ts), eb('events.id', '<', c.id)])]));
  }
  return s
    .leftJoin('persons', 'persons.id', 'events.person_id')
    .select([
      'events.id',
      'events.terminal_id',
      'events.seq',
      'events.ts',
      'events.type',
      'events.result',
      'events.reason',
      'events.person_id',
      'persons.name as person_name',
      'events.credential_type',
      'events.credential_ref',
      'events.zone_id',
      'events.direction',
      'events.data',
      'events.plate',
    ])
    .orderBy('events.ts', 'desc')
    .orderBy('events.id', 'desc')
    .limit(limit + 1);
}

/** One page of records, newest first. */
export async function searchRecords(db: Kysely<Database>, q: RecordQuery, page: PageOptions = {}): Promise<RecordPage> {
  const limit = pageSize(page);
  const rows = await (await searchQuery(db, q, page)).execute();
  const more = rows.length > limit;
  const records = rows.slice(0, limit).map(toRow);
  const last = records.at(-1);
  return { records, next: more && last ? encodeCursor({ ts: last.ts, id: last.id }) : null };
}

/** Every matching record, newest first, fetched a page at a time (for exports of any size). */
export async function* allRecords(db: Kysely<Database>, q: RecordQuery, pageSize = 1000): AsyncGenerator<RecordRow> {
  let cursor: string | undefined;
  for (;;) {
    const page = await searchRecords(db, q, { limit: pageSize, ...(cursor !== undefined && { cursor }) });
    yield* page.records;
    if (page.next === null) return;
    cursor = page.next;
  }
}
