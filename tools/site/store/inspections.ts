/**
 * Rented-room inspections: each unit's card and inspection settings, the inspectors'
 * printed contact, the visits they record and which units are overdue. A visit's new
 * occupants become persons living in the unit (ID number kept masked + keyed-hashed
 * only, a photo only with the consent given at the visit); its departures move out.
 */
import type { Kysely } from 'kysely';
import { SiteError } from '../errors.js';
import type { InspectionOccupant, InspectionVisit, Inspector, UnitInspection } from './inspections-schema.js';
import { addResidency, createPerson, getUnit, residentsOfUnit } from './residents.js';
import type { Database, Unit } from './schema.js';
import { ancestry } from './zones.js';

export const DAY_MS = 86_400_000;
export const MAX_PERIOD_DAYS = 3660;

async function inspectorStaff(db: Kysely<Database>, staffId: number) {
  const s = await db.selectFrom('staff').select(['id', 'username', 'role']).where('id', '=', staffId).executeTakeFirst();
  if (!s) throw new SiteError('NOT_FOUND', `no staff member ${staffId}`);
  if (s.role !== 'inspector') throw new SiteError('INVALID', `staff ${s.username} is a ${s.role}, not an inspector`);
  return s;
}

/** Sets the name and phone printed on an inspector's cards. */
export async function setInspectorContact(db: Kysely<Database>, c: { staffId: number; name: string; phone: string | null }): Promise<Inspector> {
  await inspectorStaff(db, c.staffId);
  const row = { staff_id: c.staffId, name: c.name, phone: c.phone };
  await db.insertInto('inspectors').values(row).onConflict((oc) => oc.column('staff_id').doUpdateSet({ name: c.name, phone: c.phone })).execute();
  return row;
}

/** Every inspector account, with its printed contact where set. */
export function listInspectors(db: Kysely<Database>) {
  return db
    .selectFrom('staff')
    .leftJoin('inspectors', 'inspectors.staff_id', 'staff.id')
    .select(['staff.id', 'staff.username', 'staff.disabled', 'inspectors.name', 'inspectors.phone'])
    .where('staff.role', '=', 'inspector')
    .orderBy('staff.username')
    .execute();
}

export interface UnitInspectionSettings {
  address?: string | null;
  landlordName?: string | null;
  landlordPhone?: string | null;
  inspectorId?: number | null;
  periodDays?: number | null;
}

/** A unit's inspection settings; a unit never set up has card serial 1 and no inspector. */
export async function unitInspection(db: Kysely<Database>, unitId: number, now: number): Promise<UnitInspection> {
  await getUnit(db, unitId);
  const row = await db.selectFrom('unit_inspections').selectAll().where('unit_id', '=', unitId).executeTakeFirst();
  return row ?? { unit_id: unitId, address: null, landlord_name: null, landlord_phone: null, inspector_id: null, period_days: null, card_serial: 1, since: now, updated_at: now };
}

/** Changes the fields given; a period newly set (or an inspector newly assigned) starts counting now. */
export async function setUnitInspection(db: Kysely<Database>, unitId: number, s: UnitInspectionSettings, now: number): Promise<UnitInspection> {
  const before = await unitInspection(db, unitId, now);
  if (s.inspectorId != null) await inspectorStaff(db, s.inspectorId);
  if (s.periodDays != null && (!Number.isInteger(s.periodDays) || s.periodDays < 1 || s.periodDays > MAX_PERIOD_DAYS)) {
    throw new SiteError('INVALID', `periodDays: a whole number of days, 1 to ${MAX_PERIOD_DAYS}`);
  }
  const next: UnitInspection = {
    ...before,
    ...(s.address !== undefined && { address: s.address }),
    ...(s.landlordName !== undefined && { landlord_name: s.landlordName }),
    ...(s.landlordPhone !== undefined && { landlord_phone: s.landlordPhone }),
    ...(s.inspectorId !== undefined && { inspector_id: s.inspectorId }),
    ...(s.periodDays !== undefined && { period_days: s.periodDays }),
    updated_at: now,
  };
  // A unit handed to an inspector, or put under inspection, is due one period from now, not at once.
  if ((before.period_days === null && next.period_days !== null) || (next.inspector_id !== before.inspector_id && next.inspector_id !== null)) next.since = now;
  const { unit_id, ...rest } = next;
  await db.insertInto('unit_inspections').values(next).onConflict((oc) => oc.column('unit_id').doUpdateSet(rest)).execute();
  return next;
}

/** A new card for the unit: the serial goes up and the old card is refused from now on. */
export async function reissueUnitCard(db: Kysely<Database>, unitId: number, now: number): Promise<UnitInspection> {
  const cur = await unitInspection(db, unitId, now);
  return setSerial(db, cur, cur.card_serial + 1, now);
}

async function setSerial(db: Kysely<Database>, cur: UnitInspection, serial: number, now: number): Promise<UnitInspection> {
  const next = { ...cur, card_serial: serial, updated_at: now };
  const { unit_id, ...rest } = next;
  await db.insertInto('unit_inspections').values(next).onConflict((oc) => oc.column('unit_id').doUpdateSet(rest)).execute();
  return next;
}

/** What a unit's printed card says. */
export interface UnitCardInfo {
  unitId: number;
  label: string;
  serial: number;
  /** The settings' address, or the unit's zone path and label. */
  address: string;
  landlord: string | null;
  landlordPhone: string | null;
  inspector: string | null;
  inspectorPhone: string | null;
}

export async function unitCardInfo(db: Kysely<Database>, unitId: number, now: number): Promise<UnitCardInfo> {
  const unit: Unit = await getUnit(db, unitId);
  const s = await unitInspection(db, unitId, now);
  const path = (await ancestry(db, unit.zone_id)).map((z) => z.name);
  const inspector = s.inspector_id === null ? undefined : await db.selectFrom('staff').leftJoin('inspectors', 'inspectors.staff_id', 'staff.id').select(['staff.username', 'inspectors.name', 'inspectors.phone']).where('staff.id', '=', s.inspector_id).executeTakeFirst();
  return {
    unitId,
    label: unit.label,
    serial: s.card_serial,
    address: s.address ?? [...path, unit.label].join(' / '),
    landlord: s.landlord_name,
    landlordPhone: s.landlord_phone,
    inspector: inspector ? (inspector.name ?? inspector.username) : null,
    inspectorPhone: inspector?.phone ?? null,
  };
}

export interface NewOccupant {
  name: string;
  /** In clear on the way in; stored masked + keyed-hashed. */
  idNumber?: string | null;
  phone?: string | null;
  /** A photo needs `consent: true` (given to the inspector at this visit). */
  photo?: { mime: 'image/jpeg' | 'image/png' | 'image/webp'; data: string } | null;
  consent?: boolean;
}

export interface NewInspectionVisit {
  unitId: number;
  inspector: { id: number; username: string };
  /** The server's clock. */
  at: number;
  /** Person ids of current residents seen. */
  confirmed: string[];
  /** Person ids of current residents gone: their residency ends at `at`. */
  departed: string[];
  added: NewOccupant[];
  note?: string | null;
}

export interface RecordedVisit {
  visit: InspectionVisit;
  /** Person ids whose residency changed (the new occupants and the departed): the terminals follow. */
  changed: string[];
}

/** Records a visit in one transaction: the new occupants move in, the departed move out. */
export async function recordInspectionVisit(db: Kysely<Database>, secret: Buffer, v: NewInspectionVisit): Promise<RecordedVisit> {
  const current = await residentsOfUnit(db, v.unitId, v.at);
  const byPerson = new Map(current.map((r) => [r.id, r]));
  for (const id of [...v.confirmed, ...v.departed]) {
    if (!byPerson.has(id)) throw new SiteError('INVALID', `person ${id} does not live in unit ${v.unitId} now`);
  }
  const both = v.confirmed.filter((id) => v.departed.includes(id));
  if (both.length) throw new SiteError('INVALID', `a resident is either confirmed or departed, not both: ${both.join(', ')}`);
  for (const o of v.added) if (o.photo && o.consent !== true) throw new SiteError('INVALID', `a photo of ${o.name} needs their consent`);
  return db.transaction().execute(async (trx) => {
    const added: Array<{ personId: string; o: NewOccupant }> = [];
    for (const o of v.added) {
      const p = await createPerson(trx, secret, { name: o.name, phone: o.phone ?? null, idNumber: o.idNumber ?? null }, v.at);
      await addResidency(trx, { personId: p.id, unitId: v.unitId, role: 'tenant', moveIn: v.at });
      added.push({ personId: p.id, o });
    }
    for (const id of v.departed) {
      await trx.updateTable('residencies').set({ move_out: v.at }).where('id', '=', byPerson.get(id)!.residency_id).execute();
    }
    const row = {
      unit_id: v.unitId,
      inspector_id: v.inspector.id,
      inspector_username: v.inspector.username,
      at: v.at,
      confirmed: JSON.stringify(v.confirmed),
      departed: JSON.stringify(v.departed),
      added: JSON.stringify(added.map((a) => a.personId)),
      note: v.note ?? null,
    };
    const { id } = await trx.insertInto('inspection_visits').values(row).returning('id').executeTakeFirstOrThrow();
    for (const a of added) {
      await trx
        .insertInto('inspection_occupants')
        .values({
          visit_id: id,
          person_id: a.personId,
          photo: a.o.photo?.data ?? null,
          photo_mime: a.o.photo?.mime ?? null,
          consent_at: a.o.photo ? v.at : null,
          consent_by: a.o.photo ? v.inspector.username : null,
        })
        .execute();
    }
    return { visit: { id, ...row }, changed: [...added.map((a) => a.personId), ...v.departed] };
  });
}

export function occupantsOfVisit(db: Kysely<Database>, visitId: number): Promise<InspectionOccupant[]> {
  return db.selectFrom('inspection_occupants').selectAll().where('visit_id', '=', visitId).orderBy('id').execute();
}

export interface InspectionStatus {
  unitId: number;
  label: string;
  zoneId: number;
  inspectorId: number | null;
  periodDays: number;
  lastVisitAt: number | null;
  /** When the next visit is due: one period after the last visit (or after the period was set). */
  dueAt: number;
  overdue: boolean;
}

/** Units under inspection (a period set), the most overdue first; `inspectorId` narrows to one inspector's. */
export async function inspectionStatus(db: Kysely<Database>, now: number, q: { inspectorId?: number } = {}): Promise<InspectionStatus[]> {
  let s = db
    .selectFrom('unit_inspections')
    .innerJoin('units', 'units.id', 'unit_inspections.unit_id')
    .leftJoin(
      (eb) => eb.selectFrom('inspection_visits').select(['unit_id', (e) => e.fn.max('at').as('last_at')]).groupBy('unit_id').as('lv'),
      (join) => join.onRef('lv.unit_id', '=', 'unit_inspections.unit_id'),
    )
    .select(['units.id', 'units.label', 'units.zone_id', 'unit_inspections.inspector_id', 'unit_inspections.period_days', 'unit_inspections.since', 'lv.last_at'])
    .where('unit_inspections.period_days', 'is not', null);
  if (q.inspectorId !== undefined) s = s.where('unit_inspections.inspector_id', '=', q.inspectorId);
  const rows = await s.execute();
  return rows
    .map((r) => {
      const last = r.last_at === null ? null : Number(r.last_at);
      const dueAt = Math.max(last ?? r.since, r.since) + r.period_days! * DAY_MS;
      return { unitId: r.id, label: r.label, zoneId: r.zone_id, inspectorId: r.inspector_id, periodDays: r.period_days!, lastVisitAt: last, dueAt, overdue: now > dueAt };
    })
    .sort((a, b) => a.dueAt - b.dueAt || a.unitId - b.unitId);
}

export interface InspectionVisitRow {
  id: number;
  unitId: number;
  unitLabel: string;
  inspectorId: number;
  inspectorUsername: string;
  at: number;
  confirmed: number;
  departed: number;
  added: number;
}

/** Visits recorded in [from, to), newest first. */
export async function inspectionVisitsBetween(db: Kysely<Database>, from: number, to: number, q: { inspectorId?: number; unitId?: number } = {}): Promise<InspectionVisitRow[]> {
  let s = db
    .selectFrom('inspection_visits')
    .innerJoin('units', 'units.id', 'inspection_visits.unit_id')
    .select(['inspection_visits.id', 'inspection_visits.unit_id', 'units.label', 'inspection_visits.inspector_id', 'inspection_visits.inspector_username', 'inspection_visits.at', 'inspection_visits.confirmed', 'inspection_visits.departed', 'inspection_visits.added'])
    .where('inspection_visits.at', '>=', from)
    .where('inspection_visits.at', '<', to);
  if (q.inspectorId !== undefined) s = s.where('inspection_visits.inspector_id', '=', q.inspectorId);
  if (q.unitId !== undefined) s = s.where('inspection_visits.unit_id', '=', q.unitId);
  const rows = await s.orderBy('inspection_visits.at', 'desc').orderBy('inspection_visits.id', 'desc').limit(1000).execute();
  const count = (json: string) => (JSON.parse(json) as unknown[]).length;
  return rows.map((r) => ({
    id: r.id,
    unitId: r.unit_id,
    unitLabel: r.label,
    inspectorId: r.inspector_id,
    inspectorUsername: r.inspector_username,
    at: r.at,
    confirmed: count(r.confirmed),
    departed: count(r.departed),
    added: count(r.added),
  }));
}

export interface InspectorActivity {
  staffId: number;
  username: string;
  name: string | null;
  /** Units assigned to them that are under inspection. */
  units: number;
  overdue: number;
  /** Visits in the window, and the distinct units they covered. */
  visits: number;
  unitsVisited: number;
  /** Visits per 7 days over the window. */
  perWeek: number;
  lastVisitAt: number | null;
}

/** Each inspector's visits in [from, to) and their units' state at `now`. */
export async function inspectorActivity(db: Kysely<Database>, from: number, to: number, now: number): Promise<InspectorActivity[]> {
  const [inspectors, visits, status, last] = await Promise.all([
    listInspectors(db),
    inspectionVisitsBetween(db, from, to),
    inspectionStatus(db, now),
    db.selectFrom('inspection_visits').select(['inspector_id', (e) => e.fn.max('at').as('last_at')]).groupBy('inspector_id').execute(),
  ]);
  const weeks = Math.max(1, (to - from) / (7 * DAY_MS));
  return inspectors.map((i) => {
    const mine = visits.filter((v) => v.inspectorId === i.id);
    const units = status.filter((u) => u.inspectorId === i.id);
    const l = last.find((x) => x.inspector_id === i.id)?.last_at;
    return {
      staffId: i.id,
      username: i.username,
      name: i.name,
      units: units.length,
      overdue: units.filter((u) => u.overdue).length,
      visits: mine.length,
      unitsVisited: new Set(mine.map((v) => v.unitId)).size,
      perWeek: Math.round((mine.length / weeks) * 10) / 10,
      lastVisitAt: l == null ? null : Number(l),
    };
  });
}
