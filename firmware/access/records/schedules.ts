// Weekly schedules and the holidays they treat apart.
import { AccessError } from '../errors.js';
import { dateSchema, holidayNameSchema, newScheduleSchema, parse, schedulePatchSchema } from '../inputs.js';
import type { Holiday, Schedule, TimeInterval, Weekday } from '../types.js';
import { generateId, toSchedule, type ScheduleRow } from './rows.js';
import type { AccessTables } from './tables.js';

export interface NewSchedule {
  id?: string;
  name: string;
  weekly: Partial<Record<Weekday, TimeInterval[]>>;
  /** Intervals used on holidays; absent or empty: no access on holidays. */
  holidayIntervals?: TimeInterval[];
}
export type SchedulePatch = Partial<Pick<Schedule, 'name' | 'weekly' | 'holidayIntervals'>>;

export class ScheduleRecords {
  constructor(private readonly t: AccessTables) {}

  add(input: NewSchedule): Schedule {
    const s = parse(newScheduleSchema, input, 'schedule');
    const id = s.id ?? generateId();
    return this.t.store.transaction(() => {
      if (this.t.getSchedule(id)) throw new AccessError('ALREADY_EXISTS', `schedule ${id} already exists`);
      this.t
        .sql('INSERT INTO schedules (id, name, weekly, holiday_intervals) VALUES (?, ?, ?, ?)')
        .run(id, s.name, JSON.stringify(s.weekly), JSON.stringify(s.holidayIntervals ?? []));
      return this.t.getSchedule(id)!;
    });
  }

  list(): Schedule[] {
    return this.t.sql<[], ScheduleRow>('SELECT * FROM schedules ORDER BY name, id').all().map(toSchedule);
  }

  update(id: string, patch: SchedulePatch): Schedule {
    const s = parse(schedulePatchSchema, patch, 'schedule update');
    return this.t.store.transaction(() => {
      const next = { ...this.t.requireSchedule(id), ...s };
      this.t
        .sql('UPDATE schedules SET name = ?, weekly = ?, holiday_intervals = ? WHERE id = ?')
        .run(next.name, JSON.stringify(next.weekly), JSON.stringify(next.holidayIntervals), id);
      return this.t.getSchedule(id)!;
    });
  }

  /** Throws 'IN_USE' while a group uses the schedule (it would otherwise open that group around the clock). */
  remove(id: string): boolean {
    return this.t.store.transaction(() => {
      const users = this.t.sql<[string], string>('SELECT id FROM groups WHERE schedule_id = ? ORDER BY id').pluck().all(id);
      if (users.length > 0) {
        throw new AccessError('IN_USE', `schedule ${id} is used by group${users.length > 1 ? 's' : ''} ${users.join(', ')}`);
      }
      return this.t.sql('DELETE FROM schedules WHERE id = ?').run(id).changes > 0;
    });
  }

  setHoliday(date: string, name = ''): Holiday {
    const d = parse(dateSchema, date, 'holiday date');
    const n = parse(holidayNameSchema, name, 'holiday name');
    this.t.sql('INSERT INTO holidays (date, name) VALUES (?, ?) ON CONFLICT (date) DO UPDATE SET name = excluded.name').run(d, n);
    return { date: d, name: n };
  }

  removeHoliday(date: string): boolean {
    return this.t.sql('DELETE FROM holidays WHERE date = ?').run(date).changes > 0;
  }

  listHolidays(range: { from?: string; to?: string } = {}): Holiday[] {
    return this.t
      .sql<[string, string], Holiday>('SELECT date, name FROM holidays WHERE date >= ? AND date <= ? ORDER BY date')
      .all(range.from ?? '0000-00-00', range.to ?? '9999-99-99');
  }

  isHoliday(date: string): boolean {
    return this.t.sql('SELECT 1 FROM holidays WHERE date = ?').get(date) !== undefined;
  }
}
