// A whole rule set from the fleet (`access.rules.set`): schedules, holidays and groups
// applied in one transaction, once per version.
import { AccessError } from '../errors.js';
import { dateSchema, holidayNameSchema, newGroupSchema, newScheduleSchema, parse } from '../inputs.js';
import type { TimeInterval, Weekday } from '../types.js';
import type { AccessTables } from './tables.js';

/** Meta key: the version of the last rule set applied (0: none yet). */
export const RULES_VERSION_KEY = 'access.rules_version';

export interface RuleSet {
  version: number;
  schedules: Array<{ id: string; name: string; weekly: Partial<Record<Weekday, TimeInterval[]>>; holidayIntervals: TimeInterval[] }>;
  holidays: Array<{ date: string; name: string }>;
  groups: Array<{ id: string; name: string; scheduleId: string | null }>;
}

export class RuleSetRecords {
  constructor(private readonly t: AccessTables) {}

  version(): number {
    return this.t.store.meta.getInt(RULES_VERSION_KEY);
  }

  /**
   * Schedules and holidays become exactly the set's; the set's groups are created or
   * updated, other groups stay. A version at or below the current one changes nothing.
   * Throws 'IN_USE' (nothing changed) when a group outside the set uses a dropped schedule.
   */
  apply(rules: RuleSet): { version: number; applied: boolean } {
    // The same checks as every other write of these rows.
    const schedules = rules.schedules.map((s) => ({ ...parse(newScheduleSchema, s, `schedule ${s.id}`), id: s.id }));
    const groups = rules.groups.map((g) => ({ ...parse(newGroupSchema, g, `group ${g.id}`), id: g.id, scheduleId: g.scheduleId }));
    const holidays = rules.holidays.map((h) => ({ date: parse(dateSchema, h.date, 'holiday date'), name: parse(holidayNameSchema, h.name, 'holiday name') }));
    return this.t.store.transaction(() => {
      const current = this.version();
      if (rules.version <= current) return { version: current, applied: false };
      for (const s of schedules) {
        this.t
          .sql('INSERT INTO schedules (id, name, weekly, holiday_intervals) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, weekly = excluded.weekly, holiday_intervals = excluded.holiday_intervals')
          .run(s.id, s.name, JSON.stringify(s.weekly), JSON.stringify(s.holidayIntervals ?? []));
      }
      for (const g of groups) {
        this.t
          .sql('INSERT INTO groups (id, name, schedule_id) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, schedule_id = excluded.schedule_id')
          .run(g.id, g.name, g.scheduleId);
      }
      const kept = JSON.stringify(schedules.map((s) => s.id));
      const blocked = this.t
        .sql<[string], { id: string; schedule_id: string }>('SELECT id, schedule_id FROM groups WHERE schedule_id IS NOT NULL AND schedule_id NOT IN (SELECT value FROM json_each(?)) ORDER BY id')
        .all(kept);
      if (blocked.length > 0) {
        // Removing the schedule would open these groups around the clock: refuse the whole set.
        throw new AccessError('IN_USE', `group ${blocked[0]!.id} (not in the set) uses schedule ${blocked[0]!.schedule_id}, which the set drops`);
      }
      this.t.sql('DELETE FROM schedules WHERE id NOT IN (SELECT value FROM json_each(?))').run(kept);
      this.t.sql('DELETE FROM holidays').run();
      for (const h of holidays) this.t.sql('INSERT INTO holidays (date, name) VALUES (?, ?)').run(h.date, h.name);
      this.t.store.meta.set(RULES_VERSION_KEY, String(rules.version));
      return { version: rules.version, applied: true };
    });
  }
}
