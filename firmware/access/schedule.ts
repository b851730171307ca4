import type { Schedule, TimeInterval, Weekday } from './types.js';

export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const INTERVAL = /^([01]\d|2[0-3]):([0-5]\d)-(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;

/** [startMinute, endMinute) of a 'HH:MM-HH:MM' interval, or null when it is malformed or empty. */
export function parseInterval(interval: TimeInterval): [number, number] | null {
  const m = typeof interval === 'string' ? INTERVAL.exec(interval) : null;
  if (!m) return null;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = m[5] ? 24 * 60 : Number(m[3]) * 60 + Number(m[4]);
  return start < end ? [start, end] : null;
}

/** The wall-clock reading of an instant in a time zone. */
export interface LocalTime {
  /** 'YYYY-MM-DD' */
  date: string;
  weekday: Weekday;
  /** 0..1439 */
  minuteOfDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
      });
    } catch {
      throw new TypeError(`unknown time zone ${JSON.stringify(timeZone)} (use an IANA name such as "Europe/Berlin")`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws TypeError unless `timeZone` is an IANA zone this Node knows. */
export function assertTimeZone(timeZone: string): void {
  formatter(timeZone);
}

/** Local date, weekday and minute of `epochMs` in `timeZone` (DST handled by Intl). */
export function localTime(epochMs: number, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(epochMs)) parts[p.type] = p.value;
  const weekday = parts.weekday!.toLowerCase() as Weekday;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday,
    minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** Whether `schedule` allows entry at `local`; on a holiday its holiday intervals apply instead of the weekday's. */
export function scheduleAllows(schedule: Schedule, local: LocalTime, isHoliday: boolean): boolean {
  const intervals = isHoliday ? schedule.holidayIntervals : (schedule.weekly[local.weekday] ?? []);
  return intervals.some((i) => {
    const range = parseInterval(i);
    return range !== null && local.minuteOfDay >= range[0] && local.minuteOfDay < range[1];
  });
}
