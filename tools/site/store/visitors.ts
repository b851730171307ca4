/**
 * The visitor register, visitor passes and visits. An identity number arrives in clear
 * and is kept masked + keyed-hashed only; a face photo is kept only with a consent
 * record and a retention date, after which `purgeExpiredPhotos` deletes it.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { SiteError } from '../errors.js';
import { keyedHash, maskIdNumber, normaliseIdNumber } from '../privacy.js';
import { getUnit } from './residents.js';
import { requirePlate } from './vehicles.js';
import type { Database, Visit, VisitClose, Visitor, VisitorPass } from './schema.js';
import { ancestry } from './zones.js';

/** Terminals a pass can name (the pass token's limit). */
export const MAX_PASS_TERMINALS = 16;

export interface NewVisitor {
  name: string;
  phone?: string | null;
  /** In clear on the way in; stored masked + keyed-hashed. */
  idNumber?: string | null;
  hostUnitId: number;
  purpose?: string | null;
  expectedFrom: number;
  expectedUntil: number;
  plate?: string | null;
  /** A face photo needs `consent` and `retainUntil`. */
  photo?: { mime: 'image/jpeg' | 'image/png' | 'image/webp'; data: string } | null;
  consent?: { givenAt: number; method: string; reference?: string | null } | null;
  retainUntil?: number | null;
}

export async function registerVisitor(db: Kysely<Database>, secret: Buffer, v: NewVisitor, now = Date.now()): Promise<Visitor> {
  await getUnit(db, v.hostUnitId);
  if (v.expectedUntil <= v.expectedFrom) throw new SiteError('INVALID', 'expected window: the end must be after the start');
  if (v.photo && !v.consent) throw new SiteError('INVALID', 'a face photo needs the visitor’s consent record');
  if (v.photo && (v.retainUntil == null || v.retainUntil <= now)) throw new SiteError('INVALID', 'a face photo needs a retention date in the future (retainUntil)');
  const row = {
    person_id: `v-${randomUUID()}`,
    name: v.name,
    phone: v.phone ?? null,
    id_doc_masked: v.idNumber ? maskIdNumber(v.idNumber) : null,
    id_doc_hash: v.idNumber ? keyedHash(secret, 'id-doc', normaliseIdNumber(v.idNumber)) : null,
    host_unit_id: v.hostUnitId,
    purpose: v.purpose ?? null,
    expected_from: v.expectedFrom,
    expected_until: v.expectedUntil,
    // Validated like every plate: the terminals open the barrier for it.
    plate: v.plate ? requirePlate(v.plate) : null,
    photo: v.photo?.data ?? null,
    photo_mime: v.photo?.mime ?? null,
    consent_at: v.photo ? v.consent!.givenAt : null,
    consent_method: v.photo ? v.consent!.method : null,
    consent_reference: v.photo ? (v.consent!.reference ?? null) : null,
    photo_delete_after: v.photo ? v.retainUntil! : null,
    created_at: now,
  };
  const { id } = await db.insertInto('visitors').values(row).returning('id').executeTakeFirstOrThrow();
  return { id, ...row };
}

export async function getVisitor(db: Kysely<Database>, id: number): Promise<Visitor> {
  const v = await db.selectFrom('visitors').selectAll().where('id', '=', id).executeTakeFirst();
  if (!v) throw new SiteError('NOT_FOUND', `no visitor ${id}`);
  return v;
}

export function visitorByPersonId(db: Kysely<Database>, personId: string): Promise<Visitor | undefined> {
  return db.selectFrom('visitors').selectAll().where('person_id', '=', personId).executeTakeFirst();
}

/** Visitors expected in [from, to) (their window overlaps it), newest first. */
export function listVisitors(db: Kysely<Database>, q: { from?: number; to?: number; limit?: number } = {}): Promise<Visitor[]> {
  let s = db.selectFrom('visitors').selectAll();
  if (q.to !== undefined) s = s.where('expected_from', '<', q.to);
  if (q.from !== undefined) s = s.where('expected_until', '>', q.from);
  return s.orderBy('expected_from', 'desc').orderBy('id', 'desc').limit(Math.min(Math.max(1, q.limit ?? 200), 1000)).execute();
}

/** Deletes face photos (and their consent record) whose retention date has passed; returns how many. */
export async function purgeExpiredPhotos(db: Kysely<Database>, now: number): Promise<number> {
  const r = await db
    .updateTable('visitors')
    .set({ photo: null, photo_mime: null, photo_delete_after: null })
    .where('photo_delete_after', '<=', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * The terminals a visitor of this unit passes from the outermost zone down to the
 * unit's building (gate, compound entrance, building door): placed in one of the
 * zones of that path.
 */
export async function hostPathTerminals(db: Kysely<Database>, unitId: number): Promise<string[]> {
  const unit = await getUnit(db, unitId);
  const path = await ancestry(db, unit.zone_id);
  const rows = await db
    .selectFrom('terminals')
    .select('id')
    .where(
      'zone_id',
      'in',
      path.map((z) => z.id),
    )
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

export interface NewPass {
  visitorId: number;
  terminals: string[];
  kid: string;
  validFrom: number;
  validUntil: number;
  maxUses: number;
}

export async function createPass(db: Kysely<Database>, p: NewPass, now = Date.now()): Promise<VisitorPass> {
  await getVisitor(db, p.visitorId);
  if (p.terminals.length === 0) throw new SiteError('INVALID', 'no terminal is placed on the way to the host’s building');
  if (p.terminals.length > MAX_PASS_TERMINALS) throw new SiteError('INVALID', `a pass names at most ${MAX_PASS_TERMINALS} terminals; the host’s path has ${p.terminals.length}`);
  if (p.validUntil <= p.validFrom) throw new SiteError('INVALID', 'pass validity: the end must be after the start');
  const row = {
    id: `vp-${randomUUID().slice(0, 18)}`,
    visitor_id: p.visitorId,
    terminals: JSON.stringify(p.terminals),
    kid: p.kid,
    valid_from: p.validFrom,
    valid_until: p.validUntil,
    max_uses: p.maxUses,
    uses: 0,
    revoked_at: null,
    issued_at: now,
  };
  await db.insertInto('visitor_passes').values(row).execute();
  return row;
}

export async function getPass(db: Kysely<Database>, id: string): Promise<VisitorPass> {
  const p = await db.selectFrom('visitor_passes').selectAll().where('id', '=', id).executeTakeFirst();
  if (!p) throw new SiteError('NOT_FOUND', `no pass ${id}`);
  return p;
}

export function passesOf(db: Kysely<Database>, visitorId: number): Promise<VisitorPass[]> {
  return db.selectFrom('visitor_passes').selectAll().where('visitor_id', '=', visitorId).orderBy('issued_at').execute();
}

export const passTerminals = (p: Pick<VisitorPass, 'terminals'>): string[] => JSON.parse(p.terminals) as string[];

/**
 * Counts one use of a pass seen at a terminal; returns the pass after it, or
 * undefined for a pass the site did not issue.
 */
export async function countPassUse(db: Kysely<Database>, passId: string): Promise<VisitorPass | undefined> {
  await db
    .updateTable('visitor_passes')
    .set((eb) => ({ uses: eb('uses', '+', 1) }))
    .where('id', '=', passId)
    .execute();
  return db.selectFrom('visitor_passes').selectAll().where('id', '=', passId).executeTakeFirst();
}

export async function revokePass(db: Kysely<Database>, passId: string, now: number): Promise<VisitorPass> {
  await db.updateTable('visitor_passes').set({ revoked_at: now }).where('id', '=', passId).where('revoked_at', 'is', null).execute();
  return getPass(db, passId);
}

export async function openVisitOf(db: Kysely<Database>, visitorId: number): Promise<Visit | undefined> {
  return db.selectFrom('visits').selectAll().where('visitor_id', '=', visitorId).where('exited_at', 'is', null).executeTakeFirst();
}

/**
 * Opens a visit unless one is open already (a second door on the way in is the same visit).
 * Atomic: the unique index on open visits (migration 0013) lets only one of two site
 * instances entering the same visitor at once insert; the other gets the winner's visit.
 */
export async function enterVisit(db: Kysely<Database>, v: { visitorId: number; passId: string | null; at: number; terminal: string; zoneId: number | null }): Promise<Visit> {
  const open = await openVisitOf(db, v.visitorId);
  if (open) return open;
  const row = { visitor_id: v.visitorId, pass_id: v.passId, entered_at: v.at, entered_terminal: v.terminal, zone_id: v.zoneId, exited_at: null, closed: null };
  const inserted = await db
    .insertInto('visits')
    .values(row)
    .onConflict((oc) => oc.column('visitor_id').where('exited_at', 'is', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { id: inserted.id, ...row };
  const winner = await openVisitOf(db, v.visitorId);
  if (!winner) throw new Error(`visitor ${v.visitorId}: the open visit that conflicted is gone`);
  return winner;
}

export async function closeVisit(db: Kysely<Database>, visitorId: number, at: number, why: VisitClose): Promise<boolean> {
  const r = await db.updateTable('visits').set({ exited_at: at, closed: why }).where('visitor_id', '=', visitorId).where('exited_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Closes open visits whose pass (or, without a pass, whose expected window) ended
 * before `now`, at that end; the visitors are no longer counted inside. Returns how many.
 */
export async function closeExpiredVisits(db: Kysely<Database>, now: number): Promise<number> {
  const expired = await db
    .selectFrom('visits')
    .innerJoin('visitors', 'visitors.id', 'visits.visitor_id')
    .leftJoin('visitor_passes', 'visitor_passes.id', 'visits.pass_id')
    .select(['visits.id', 'visitors.person_id', sql<number>`coalesce(visitor_passes.valid_until, visitors.expected_until)`.as('ends')])
    .where('visits.exited_at', 'is', null)
    .where(sql<number>`coalesce(visitor_passes.valid_until, visitors.expected_until)`, '<=', now)
    .execute();
  for (const e of expired) {
    await db.updateTable('visits').set({ exited_at: e.ends, closed: 'expired' }).where('id', '=', e.id).execute();
    await db.updateTable('positions').set({ zone_id: null }).where('subject', '=', e.person_id).execute();
  }
  return expired.length;
}

export interface VisitRow {
  id: number;
  visitorId: number;
  visitorName: string;
  hostUnitId: number;
  passId: string | null;
  enteredAt: number;
  enteredTerminal: string;
  zoneId: number | null;
  exitedAt: number | null;
  closed: VisitClose | null;
}

function visitsQuery(db: Kysely<Database>) {
  return db
    .selectFrom('visits')
    .innerJoin('visitors', 'visitors.id', 'visits.visitor_id')
    .select([
      'visits.id',
      'visits.visitor_id as visitorId',
      'visitors.name as visitorName',
      'visitors.host_unit_id as hostUnitId',
      'visits.pass_id as passId',
      'visits.entered_at as enteredAt',
      'visits.entered_terminal as enteredTerminal',
      'visits.zone_id as zoneId',
      'visits.exited_at as exitedAt',
      'visits.closed',
    ]);
}

/** Visitors inside now: open visits (call `closeExpiredVisits` first), longest inside first. */
export function stillInside(db: Kysely<Database>): Promise<VisitRow[]> {
  return visitsQuery(db).where('visits.exited_at', 'is', null).orderBy('visits.entered_at').orderBy('visits.id').execute();
}

/** Visits that began in [from, to), newest first. */
export function visitsBetween(db: Kysely<Database>, from: number, to: number): Promise<VisitRow[]> {
  return visitsQuery(db).where('visits.entered_at', '>=', from).where('visits.entered_at', '<', to).orderBy('visits.entered_at', 'desc').orderBy('visits.id', 'desc').limit(1000).execute();
}
