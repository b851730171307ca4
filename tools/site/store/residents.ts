/**
 * Units, the persons the site knows, who lives where (residencies) and their
 * credentials. Identity numbers and PINs arrive in clear and leave this module
 * masked or keyed-hashed: nothing stores them otherwise.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { SiteError } from '../errors.js';
import { keyedHash, maskIdNumber, normaliseIdNumber } from '../privacy.js';
import type { Credential, CredentialType, Database, Person, Residency, ResidencyRole, Unit, UnitKind } from './schema.js';
import { getZone } from './zones.js';

export async function createUnit(db: Kysely<Database>, u: { zoneId: number; kind: UnitKind; label: string }): Promise<Unit> {
  const zone = await getZone(db, u.zoneId);
  if (zone.kind !== 'building') throw new SiteError('INVALID', `units belong in a building zone; zone ${zone.id} is a ${zone.kind}`);
  const existing = await db.selectFrom('units').select('id').where('zone_id', '=', u.zoneId).where('label', '=', u.label).executeTakeFirst();
  if (existing) throw new SiteError('CONFLICT', `zone ${u.zoneId} already has unit ${u.label}`);
  const { id } = await db.insertInto('units').values({ zone_id: u.zoneId, kind: u.kind, label: u.label }).returning('id').executeTakeFirstOrThrow();
  return { id, zone_id: u.zoneId, kind: u.kind, label: u.label };
}

export async function getUnit(db: Kysely<Database>, id: number): Promise<Unit> {
  const unit = await db.selectFrom('units').selectAll().where('id', '=', id).executeTakeFirst();
  if (!unit) throw new SiteError('NOT_FOUND', `no unit ${id}`);
  return unit;
}

export function listUnits(db: Kysely<Database>, zoneId?: number): Promise<Unit[]> {
  let q = db.selectFrom('units').selectAll();
  if (zoneId !== undefined) q = q.where('zone_id', '=', zoneId);
  return q.orderBy('zone_id').orderBy('label').execute();
}

export interface NewPerson {
  id?: string;
  name: string;
  phone?: string | null;
  /** In clear on the way in; stored masked + keyed-hashed. */
  idNumber?: string | null;
}

export async function createPerson(db: Kysely<Database>, secret: Buffer, p: NewPerson, now = Date.now()): Promise<Person> {
  const id = p.id ?? `p-${randomUUID()}`;
  if (await db.selectFrom('persons').select('id').where('id', '=', id).executeTakeFirst()) throw new SiteError('CONFLICT', `person ${id} exists`);
  const row: Person = {
    id,
    name: p.name,
    phone: p.phone ?? null,
    id_doc_masked: p.idNumber ? maskIdNumber(p.idNumber) : null,
    id_doc_hash: p.idNumber ? keyedHash(secret, 'id-doc', normaliseIdNumber(p.idNumber)) : null,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('persons').values(row).execute();
  return row;
}

export async function getPerson(db: Kysely<Database>, id: string): Promise<Person> {
  const person = await db.selectFrom('persons').selectAll().where('id', '=', id).executeTakeFirst();
  if (!person) throw new SiteError('NOT_FOUND', `no person ${id}`);
  return person;
}

/** Finds persons by the number on their identity document (matched through its keyed hash). */
export function findPersonsByIdNumber(db: Kysely<Database>, secret: Buffer, idNumber: string): Promise<Person[]> {
  return db.selectFrom('persons').selectAll().where('id_doc_hash', '=', keyedHash(secret, 'id-doc', normaliseIdNumber(idNumber))).execute();
}

export async function addResidency(
  db: Kysely<Database>,
  r: { personId: string; unitId: number; role: ResidencyRole; moveIn: number; moveOut?: number | null },
): Promise<Residency> {
  await getPerson(db, r.personId);
  await getUnit(db, r.unitId);
  if (r.moveOut != null && r.moveOut < r.moveIn) throw new SiteError('INVALID', 'move-out before move-in');
  const row = { person_id: r.personId, unit_id: r.unitId, role: r.role, move_in: r.moveIn, move_out: r.moveOut ?? null };
  const { id } = await db.insertInto('residencies').values(row).returning('id').executeTakeFirstOrThrow();
  return { id, ...row };
}

export async function moveOut(db: Kysely<Database>, residencyId: number, at: number): Promise<Residency> {
  const r = await db.selectFrom('residencies').selectAll().where('id', '=', residencyId).executeTakeFirst();
  if (!r) throw new SiteError('NOT_FOUND', `no residency ${residencyId}`);
  if (at < r.move_in) throw new SiteError('INVALID', 'move-out before move-in');
  await db.updateTable('residencies').set({ move_out: at }).where('id', '=', residencyId).execute();
  return { ...r, move_out: at };
}

/** Residents of a unit at `at` (default: all, past ones included), with their role. */
export function residentsOfUnit(db: Kysely<Database>, unitId: number, at?: number) {
  let q = db
    .selectFrom('residencies')
    .innerJoin('persons', 'persons.id', 'residencies.person_id')
    .select(['residencies.id as residency_id', 'residencies.role', 'residencies.move_in', 'residencies.move_out', 'persons.id', 'persons.name', 'persons.phone', 'persons.id_doc_masked'])
    .where('residencies.unit_id', '=', unitId);
  if (at !== undefined) q = q.where('residencies.move_in', '<=', at).where((eb) => eb.or([eb('residencies.move_out', 'is', null), eb('residencies.move_out', '>', at)]));
  return q.orderBy('persons.name').execute();
}

export function residenciesOf(db: Kysely<Database>, personId: string): Promise<Residency[]> {
  return db.selectFrom('residencies').selectAll().where('person_id', '=', personId).orderBy('move_in').execute();
}

/** A card number as the terminals log it: trimmed, leading zeros dropped. */
export function normaliseCard(value: string): string {
  return value.trim().replace(/^0+(?=\d)/, '');
}

export async function addCredential(db: Kysely<Database>, secret: Buffer, c: { personId: string; type: CredentialType; value: string }, now = Date.now()): Promise<Credential> {
  await getPerson(db, c.personId);
  if (c.type === 'pin' && !/^\d{4,8}$/.test(c.value)) throw new SiteError('INVALID', 'a PIN is 4 to 8 digits');
  const ref = c.type === 'pin' ? keyedHash(secret, 'pin', c.value) : c.type === 'card' ? normaliseCard(c.value) : c.value;
  const taken = await db.selectFrom('credentials').select('person_id').where('type', '=', c.type).where('ref', '=', ref).executeTakeFirst();
  if (taken) throw new SiteError('CONFLICT', c.type === 'pin' ? 'this PIN is taken' : `this ${c.type} belongs to a person already`);
  const row = { person_id: c.personId, type: c.type, ref, created_at: now };
  const { id } = await db.insertInto('credentials').values(row).returning('id').executeTakeFirstOrThrow();
  return { id, ...row };
}

export function credentialsOf(db: Kysely<Database>, personId: string): Promise<Credential[]> {
  return db.selectFrom('credentials').selectAll().where('person_id', '=', personId).orderBy('id').execute();
}
