/**
 * Schedules, holidays and access groups as the site keeps them, to push to the
 * terminals (whose access core decides on them). Shapes follow the terminal's:
 * weekly 'HH:MM-HH:MM' intervals in the terminal's time zone, holiday dates
 * 'YYYY-MM-DD' on which a schedule's holiday intervals apply instead.
 */
import type { Kysely } from 'kysely';
import { SiteError } from '../errors.js';
import type { Database } from './schema.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const INTERVAL_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';
export const DATE_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$';

export interface Schedule {
  id: string;
  name: string;
  weekly: Partial<Record<Weekday, string[]>>;
  holidayIntervals: string[];
}
export interface Holiday {
  date: string;
  name: string;
}
export interface AccessGroup {
  id: string;
  name: string;
  /** Null: at any time. */
  scheduleId: string | null;
}
export interface AccessRules {
  schedules: Schedule[];
  holidays: Holiday[];
  groups: AccessGroup[];
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function checkIntervals(where: string, intervals: string[]): void {
  for (const i of intervals) {
    if (!new RegExp(INTERVAL_PATTERN).test(i)) throw new SiteError('INVALID', `${where}: ${JSON.stringify(i)} is not HH:MM-HH:MM`);
    const [a, b] = i.split('-') as [string, string];
    if (minutes(a) >= minutes(b)) throw new SiteError('INVALID', `${where}: ${i} ends before it starts (split an interval at midnight)`);
  }
}

export async function putSchedule(db: Kysely<Database>, s: Schedule): Promise<Schedule> {
  for (const [day, intervals] of Object.entries(s.weekly)) {
    if (!(WEEKDAYS as readonly string[]).includes(day)) throw new SiteError('INVALID', `weekly: ${day} is not a weekday`);
    checkIntervals(`weekly.${day}`, intervals ?? []);
  }
  checkIntervals('holidayIntervals', s.holidayIntervals);
  const row = { id: s.id, name: s.name, weekly: JSON.stringify(s.weekly), holiday_intervals: JSON.stringify(s.holidayIntervals) };
  await db
    .insertInto('access_schedules')
    .values(row)
    .onConflict((oc) => oc.column('id').doUpdateSet({ name: row.name, weekly: row.weekly, holiday_intervals: row.holiday_intervals }))
    .execute();
  return s;
}

export async function removeSchedule(db: Kysely<Database>, id: string): Promise<void> {
  const user = await db.selectFrom('access_groups').select('id').where('schedule_id', '=', id).executeTakeFirst();
  if (user) throw new SiteError('CONFLICT', `group ${user.id} uses schedule ${id}`);
  const r = await db.deleteFrom('access_schedules').where('id', '=', id).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw new SiteError('NOT_FOUND', `no schedule ${id}`);
}

export async function putHoliday(db: Kysely<Database>, h: Holiday): Promise<Holiday> {
  if (Number.isNaN(Date.parse(`${h.date}T00:00:00Z`)) || new Date(`${h.date}T00:00:00Z`).toISOString().slice(0, 10) !== h.date) {
    throw new SiteError('INVALID', `holiday: ${h.date} is not a date`);
  }
  await db.insertInto('access_holidays').values(h).onConflict((oc) => oc.column('date').doUpdateSet({ name: h.name })).execute();
  return h;
}

export async function removeHoliday(db: Kysely<Database>, date: string): Promise<void> {
  const r = await db.deleteFrom('access_holidays').where('date', '=', date).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw new SiteError('NOT_FOUND', `no holiday on ${date}`);
}

export async function putGroup(db: Kysely<Database>, g: AccessGroup): Promise<AccessGroup> {
  if (g.scheduleId !== null && !(await db.selectFrom('access_schedules').select('id').where('id', '=', g.scheduleId).executeTakeFirst())) {
    throw new SiteError('NOT_FOUND', `no schedule ${g.scheduleId}`);
  }
  const row = { id: g.id, name: g.name, schedule_id: g.scheduleId };
  await db.insertInto('access_groups').values(row).onConflict((oc) => oc.column('id').doUpdateSet({ name: g.name, schedule_id: g.scheduleId })).execute();
  return g;
}

export async function removeGroup(db: Kysely<Database>, id: string): Promise<void> {
  const r = await db.deleteFrom('access_groups').where('id', '=', id).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw new SiteError('NOT_FOUND', `no group ${id}`);
}

/** Everything the terminals get, in a stable order. */
export async function accessRules(db: Kysely<Database>): Promise<AccessRules> {
  const [schedules, holidays, groups] = await Promise.all([
    db.selectFrom('access_schedules').selectAll().orderBy('id').execute(),
    db.selectFrom('access_holidays').selectAll().orderBy('date').execute(),
    db.selectFrom('access_groups').selectAll().orderBy('id').execute(),
  ]);
  return {
    schedules: schedules.map((s) => ({ id: s.id, name: s.name, weekly: JSON.parse(s.weekly) as Schedule['weekly'], holidayIntervals: JSON.parse(s.holiday_intervals) as string[] })),
    holidays,
    groups: groups.map((g) => ({ id: g.id, name: g.name, scheduleId: g.schedule_id })),
  };
}
