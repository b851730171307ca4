/**
 * Alert lists (watch-list, missing persons, ...) and their members, and the named time
 * periods rules are limited to. A person can be on several lists; a list applies in the
 * subtrees of its zones (none: the whole site).
 */
import type { Kysely } from 'kysely';
import { SiteError } from '../errors.js';
import { WEEKDAYS, type Weekday } from './access-rules.js';
import type { ListPurpose } from './alerts-schema.js';
import type { Database } from './schema.js';

export interface AlertList {
  id: string;
  name: string;
  purpose: ListPurpose;
  zones: number[];
}

export interface AlertPeriod {
  id: string;
  name: string;
  timeZone: string;
  weekly: Partial<Record<Weekday, string[]>>;
  dates: string[];
}

async function checkZones(db: Kysely<Database>, zones: number[]): Promise<void> {
  if (zones.length === 0) return;
  const found = await db.selectFrom('zones').select('id').where('id', 'in', zones).execute();
  const missing = zones.filter((z) => !found.some((f) => f.id === z));
  if (missing.length > 0) throw new SiteError('NOT_FOUND', `no zone ${missing.join(', ')}`);
}

export async function putAlertList(db: Kysely<Database>, l: AlertList): Promise<AlertList> {
  await checkZones(db, l.zones);
  const row = { id: l.id, name: l.name, purpose: l.purpose, zones: JSON.stringify(l.zones) };
  await db.transaction().execute(async (tx) => {
    await tx.insertInto('alert_lists').values(row).onConflict((oc) => oc.column('id').doUpdateSet({ name: row.name, purpose: row.purpose, zones: row.zones })).execute();
    // Reference photos are kept for watch and missing-person lists only.
    if (!PHOTO_PURPOSES.includes(l.purpose)) await tx.deleteFrom('alert_list_photos').where('list_id', '=', l.id).execute();
  });
  return l;
}

export async function listAlertLists(db: Kysely<Database>): Promise<Array<AlertList & { members: string[]; photos: string[] }>> {
  const [lists, members, photos] = await Promise.all([
    db.selectFrom('alert_lists').selectAll().orderBy('id').execute(),
    db.selectFrom('alert_list_members').select(['list_id', 'person_id']).orderBy('person_id').execute(),
    db.selectFrom('alert_list_photos').select(['list_id', 'person_id']).orderBy('person_id').execute(),
  ]);
  return lists.map((l) => ({
    id: l.id,
    name: l.name,
    purpose: l.purpose,
    zones: JSON.parse(l.zones) as number[],
    members: members.filter((m) => m.list_id === l.id).map((m) => m.person_id),
    photos: photos.filter((m) => m.list_id === l.id).map((m) => m.person_id),
  }));
}

/**
 * Lists whose members may have a reference photo: a watch-list and a missing-person list
 * exist to recognise their persons, so a guard needs to see whom an alert is about.
 */
export const PHOTO_PURPOSES: readonly ListPurpose[] = ['watch', 'missing'];

/** Keeps `jpeg` (already shrunk) as the reference photo of a member of a watch or missing-person list. */
export async function putListPhoto(db: Kysely<Database>, listId: string, personId: string, jpeg: Buffer, by: string | null, now = Date.now()): Promise<void> {
  const list = await db.selectFrom('alert_lists').select('purpose').where('id', '=', listId).executeTakeFirst();
  if (!list) throw new SiteError('NOT_FOUND', `no list ${listId}`);
  if (!PHOTO_PURPOSES.includes(list.purpose)) throw new SiteError('INVALID', `List ${listId} is not a watch-list or a missing-person list: the site keeps reference photos for those only.`);
  if (!(await db.selectFrom('alert_list_members').select('person_id').where('list_id', '=', listId).where('person_id', '=', personId).executeTakeFirst())) {
    throw new SiteError('NOT_FOUND', `${personId} is not on list ${listId}`);
  }
  const row = { list_id: listId, person_id: personId, jpeg: jpeg.toString('base64'), set_at: now, set_by: by };
  await db
    .insertInto('alert_list_photos')
    .values(row)
    .onConflict((oc) => oc.columns(['list_id', 'person_id']).doUpdateSet({ jpeg: row.jpeg, set_at: now, set_by: by }))
    .execute();
}

export async function getListPhoto(db: Kysely<Database>, listId: string, personId: string): Promise<Buffer> {
  const row = await db.selectFrom('alert_list_photos').select('jpeg').where('list_id', '=', listId).where('person_id', '=', personId).executeTakeFirst();
  if (!row) throw new SiteError('NOT_FOUND', `no photo of ${personId} on list ${listId}`);
  return Buffer.from(row.jpeg, 'base64');
}

export async function removeListPhoto(db: Kysely<Database>, listId: string, personId: string): Promise<void> {
  const r = await db.deleteFrom('alert_list_photos').where('list_id', '=', listId).where('person_id', '=', personId).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw new SiteError('NOT_FOUND', `no photo of ${personId} on list ${listId}`);
}

export async function removeAlertList(db: Kysely<Database>, id: string): Promise<void> {
  const r = await db.deleteFrom('alert_lists').where('id', '=', id).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw new SiteError('NOT_FOUND', `no list ${id}`);
}

export async function addListMember(db: Kysely<Database>, listId: string, personId: string, now = Date.now()): Promise<void> {
  if (!(await db.selectFrom('alert_lists').select('id').where('id', '=', listId).executeTakeFirst())) throw new SiteError('NOT_FOUND', `no list ${listId}`);
  if (!(await db.selectFrom('persons').select('id').where('id', '=', personId).executeTakeFirst())) throw new SiteError('NOT_FOUND', `no person ${personId}`);
  await db
    .insertInto('alert_list_members')
    .values({ list_id: listId, person_id: personId, added_at: now })
    .onConflict((oc) => oc.columns(['list_id', 'person_id']).doNothing())
    .execute();
}

export async function removeListMember(db: Kysely<Database>, listId: string, personId: string): Promise<void> {
  const r = await db.deleteFrom('alert_list_members').where('list_id', '=', listId).where('person_id', '=', personId).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw new SiteError('NOT_FOUND', `${personId} is not on list ${listId}`);
}

/** The lists a person is on, with their zones. */
export async function listsOfPerson(db: Kysely<Database>, personId: string): Promise<AlertList[]> {
  const rows = await db
    .selectFrom('alert_list_members as m')
    .innerJoin('alert_lists as l', 'l.id', 'm.list_id')
    .select(['l.id', 'l.name', 'l.purpose', 'l.zones'])
    .where('m.person_id', '=', personId)
    .execute();
  return rows.map((l) => ({ id: l.id, name: l.name, purpose: l.purpose, zones: JSON.parse(l.zones) as number[] }));
}

export async function membersOfLists(db: Kysely<Database>, listIds: string[]): Promise<string[]> {
  if (listIds.length === 0) return [];
  const rows = await db.selectFrom('alert_list_members').select('person_id').distinct().where('list_id', 'in', listIds).orderBy('person_id').execute();
  return rows.map((r) => r.person_id);
}

export async function putAlertPeriod(db: Kysely<Database>, p: AlertPeriod): Promise<AlertPeriod> {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: p.timeZone });
  } catch {
    throw new SiteError('INVALID', `timeZone: ${p.timeZone} is not an IANA time zone`);
  }
  for (const [day, intervals] of Object.entries(p.weekly)) {
    if (!(WEEKDAYS as readonly string[]).includes(day)) throw new SiteError('INVALID', `weekly: ${day} is not a weekday`);
    for (const i of intervals ?? []) {
      const [a, b] = i.split('-') as [string, string];
      if (a >= b) throw new SiteError('INVALID', `weekly.${day}: ${i} ends before it starts (split an interval at midnight)`);
    }
  }
  const row = { id: p.id, name: p.name, time_zone: p.timeZone, weekly: JSON.stringify(p.weekly), dates: JSON.stringify(p.dates) };
  await db
    .insertInto('alert_periods')
    .values(row)
    .onConflict((oc) => oc.column('id').doUpdateSet({ name: row.name, time_zone: row.time_zone, weekly: row.weekly, dates: row.dates }))
    .execute();
  return p;
}

export async function listAlertPeriods(db: Kysely<Database>): Promise<AlertPeriod[]> {
  const rows = await db.selectFrom('alert_periods').selectAll().orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, timeZone: r.time_zone, weekly: JSON.parse(r.weekly) as AlertPeriod['weekly'], dates: JSON.parse(r.dates) as string[] }));
}

export async function removeAlertPeriod(db: Kysely<Database>, id: string): Promise<void> {
  const r = await db.deleteFrom('alert_periods').where('id', '=', id).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw new SiteError('NOT_FOUND', `no period ${id}`);
}
