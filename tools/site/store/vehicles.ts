/**
 * Vehicles: a resident's car (its plate is one of the person's credentials on the
 * terminals), a unit's car (a vehicle of its own on the terminals of the unit's path),
 * and plates on watch lists. Plates are stored normalised, with a search key that
 * folds the characters plate cameras confuse.
 */
import { cleanPlate, normalisePlate, plateSearchKey } from '@limen/sdk/protocol';
import type { Kysely } from 'kysely';
import { SiteError } from '../errors.js';
import type { Database } from './schema.js';

export interface Vehicle {
  id: number;
  plate: string;
  personId: string | null;
  unitId: number | null;
  colour: string | null;
  note: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface VehicleInput {
  plate: string;
  personId?: string | null;
  unitId?: number | null;
  colour?: string | null;
  note?: string | null;
}

/** The id a unit's car has on the terminals (events name it as `personId`). */
export const UNIT_VEHICLE_PREFIX = 'vehicle-';
export const unitVehicleTerminalId = (vehicleId: number) => `${UNIT_VEHICLE_PREFIX}${vehicleId}`;

/** A plate as the site keeps it: normalised, or INVALID with the reason. */
export function requirePlate(raw: string): string {
  const n = normalisePlate(raw);
  if (!n.ok) throw new SiteError('INVALID', n.message);
  return n.plate;
}

/** The plate an event reports: an access decision's `data.vehicle.plate`, a `vehicle.*` event's `data.plate`. */
export function plateOfEvent(data: Record<string, unknown> | null | undefined): unknown {
  const vehicle = data?.vehicle;
  if (vehicle && typeof vehicle === 'object' && 'plate' in vehicle) return (vehicle as { plate: unknown }).plate;
  return data?.plate;
}

/** What the records keep of a plate an event reports: normalised when it is one, else cleaned (a misread stays searchable). */
export function recordedPlate(raw: unknown): { plate: string; plate_key: string } | null {
  if (typeof raw !== 'string') return null;
  const n = normalisePlate(raw);
  const plate = n.ok ? n.plate : cleanPlate(raw).slice(0, 16);
  return plate ? { plate, plate_key: plateSearchKey(plate) } : null;
}


function toVehicle(r: { id: number; plate: string; person_id: string | null; unit_id: number | null; colour: string | null; note: string | null; created_at: number; updated_at: number }): Vehicle {
  return { id: r.id, plate: r.plate, personId: r.person_id, unitId: r.unit_id, colour: r.colour, note: r.note, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
}

async function checkOwner(db: Kysely<Database>, v: VehicleInput): Promise<void> {
  const person = v.personId ?? null;
  const unit = v.unitId ?? null;
  if ((person === null) === (unit === null)) throw new SiteError('INVALID', 'a vehicle belongs to a person or to a unit (give exactly one)');
  if (person !== null && !(await db.selectFrom('persons').select('id').where('id', '=', person).executeTakeFirst())) throw new SiteError('NOT_FOUND', `no person ${person}`);
  if (unit !== null && !(await db.selectFrom('units').select('id').where('id', '=', unit).executeTakeFirst())) throw new SiteError('NOT_FOUND', `no unit ${unit}`);
}

export async function createVehicle(db: Kysely<Database>, v: VehicleInput, now: number): Promise<Vehicle> {
  const plate = requirePlate(v.plate);
  await checkOwner(db, v);
  if (await db.selectFrom('vehicles').select('id').where('plate', '=', plate).executeTakeFirst()) throw new SiteError('CONFLICT', `${plate} is already registered`);
  const row = await db
    .insertInto('vehicles')
    .values({ plate, plate_key: plateSearchKey(plate), person_id: v.personId ?? null, unit_id: v.unitId ?? null, colour: v.colour ?? null, note: v.note ?? null, created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toVehicle(row);
}

export async function getVehicle(db: Kysely<Database>, id: number): Promise<Vehicle> {
  const row = await db.selectFrom('vehicles').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new SiteError('NOT_FOUND', `no vehicle ${id}`);
  return toVehicle(row);
}

export async function updateVehicle(db: Kysely<Database>, id: number, v: VehicleInput, now: number): Promise<Vehicle> {
  await getVehicle(db, id);
  const plate = requirePlate(v.plate);
  await checkOwner(db, v);
  const clash = await db.selectFrom('vehicles').select('id').where('plate', '=', plate).where('id', '!=', id).executeTakeFirst();
  if (clash) throw new SiteError('CONFLICT', `${plate} is already registered`);
  const row = await db
    .updateTable('vehicles')
    .set({ plate, plate_key: plateSearchKey(plate), person_id: v.personId ?? null, unit_id: v.unitId ?? null, colour: v.colour ?? null, note: v.note ?? null, updated_at: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toVehicle(row);
}

export async function removeVehicle(db: Kysely<Database>, id: number): Promise<Vehicle> {
  const v = await getVehicle(db, id);
  await db.deleteFrom('vehicles').where('id', '=', id).execute();
  return v;
}

export interface VehicleQuery {
  /** A whole plate or a part of one; confusable characters match each other. */
  plate?: string;
  personId?: string;
  /** The unit's own cars and those of the persons living there now. */
  unitId?: number;
}

export async function listVehicles(db: Kysely<Database>, q: VehicleQuery = {}, now = Date.now()): Promise<Vehicle[]> {
  let s = db.selectFrom('vehicles').selectAll('vehicles');
  if (q.plate !== undefined) {
    const p = plateQuery(q.plate);
    s = p.whole ? s.where('vehicles.plate_key', '=', p.key) : s.where('vehicles.plate_key', 'like', p.like);
  }
  if (q.personId !== undefined) s = s.where('vehicles.person_id', '=', q.personId);
  if (q.unitId !== undefined) {
    const unitId = q.unitId;
    s = s.where((eb) =>
      eb.or([
        eb('vehicles.unit_id', '=', unitId),
        eb(
          'vehicles.person_id',
          'in',
          eb
            .selectFrom('residencies')
            .select('residencies.person_id')
            .where('residencies.unit_id', '=', unitId)
            .where('residencies.move_in', '<=', now)
            .where((w) => w.or([w('residencies.move_out', 'is', null), w('residencies.move_out', '>', now)])),
        ),
      ]),
    );
  }
  return (await s.orderBy('vehicles.plate').limit(1000).execute()).map(toVehicle);
}

/** The plates registered to a person (their credentials on the terminals). */
export async function platesOfPerson(db: Kysely<Database>, personId: string): Promise<string[]> {
  return (await db.selectFrom('vehicles').select('plate').where('person_id', '=', personId).orderBy('plate').execute()).map((r) => r.plate);
}

// --- Plates on watch lists ------------------------------------------------------------

export interface ListedPlate {
  listId: string;
  plate: string;
  note: string | null;
  addedAt: number;
}

export async function addListPlate(db: Kysely<Database>, listId: string, rawPlate: string, note: string | null, now: number): Promise<ListedPlate> {
  if (!(await db.selectFrom('alert_lists').select('id').where('id', '=', listId).executeTakeFirst())) throw new SiteError('NOT_FOUND', `no list ${listId}`);
  const plate = requirePlate(rawPlate);
  await db
    .insertInto('alert_list_plates')
    .values({ list_id: listId, plate, plate_key: plateSearchKey(plate), note, added_at: now })
    .onConflict((oc) => oc.columns(['list_id', 'plate']).doUpdateSet({ note }))
    .execute();
  return { listId, plate, note, addedAt: now };
}

export async function removeListPlate(db: Kysely<Database>, listId: string, rawPlate: string): Promise<void> {
  const plate = requirePlate(rawPlate);
  const r = await db.deleteFrom('alert_list_plates').where('list_id', '=', listId).where('plate', '=', plate).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw new SiteError('NOT_FOUND', `${plate} is not on list ${listId}`);
}

export async function listPlatesOf(db: Kysely<Database>, listId: string): Promise<ListedPlate[]> {
  const rows = await db.selectFrom('alert_list_plates').selectAll().where('list_id', '=', listId).orderBy('plate').execute();
  return rows.map((r) => ({ listId: r.list_id, plate: r.plate, note: r.note, addedAt: Number(r.added_at) }));
}

/**
 * The watch lists a seen plate is on, matching confusable characters (a camera that
 * reads 京A1234S for 京A12345 still hits), with each list's zones.
 */
export async function listsOfPlate(db: Kysely<Database>, seenPlate: string): Promise<Array<{ id: string; name: string; purpose: string; zones: number[]; plate: string }>> {
  const rows = await db
    .selectFrom('alert_list_plates as p')
    .innerJoin('alert_lists as l', 'l.id', 'p.list_id')
    .select(['l.id', 'l.name', 'l.purpose', 'l.zones', 'p.plate'])
    .where('p.plate_key', '=', plateSearchKey(seenPlate))
    .orderBy('l.id')
    .execute();
  return rows.map((r) => ({ id: r.id, name: r.name, purpose: r.purpose, zones: JSON.parse(r.zones) as number[], plate: r.plate }));
}

/** How a plate search is run: a whole plate on its key, a part of one as a substring of keys. */
export function plateQuery(raw: string): { whole: true; key: string } | { whole: false; like: string } {
  const n = normalisePlate(raw);
  if (n.ok) return { whole: true, key: plateSearchKey(n.plate) };
  // Only plate characters: no LIKE wildcard or escape can come through.
  const key = plateSearchKey(raw).replace(/[^0-9A-Z\u4e00-\u9fff]/gu, '');
  if ([...key].length < 2) throw new SiteError('INVALID', 'plate search: give at least 2 plate characters');
  return { whole: false, like: `%${key}%` };
}
