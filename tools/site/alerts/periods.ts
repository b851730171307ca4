/**
 * Whether an instant falls in a named period: on one of its dates (the whole local
 * day), or in one of its weekly intervals, both read in the period's time zone.
 */
import type { AlertPeriod, Weekday } from '../store/index.js';

const DAY: Record<string, Weekday> = { Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun' };
const formats = new Map<string, Intl.DateTimeFormat>();

function local(ts: number, timeZone: string): { date: string; day: Weekday; minute: number } {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(ts).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, day: DAY[p.weekday!]!, minute: Number(p.hour) * 60 + Number(p.minute) };
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function inPeriod(p: AlertPeriod, ts: number): boolean {
  const l = local(ts, p.timeZone);
  if (p.dates.includes(l.date)) return true;
  return (p.weekly[l.day] ?? []).some((i) => {
    const [a, b] = i.split('-') as [string, string];
    return l.minute >= minutes(a) && l.minute < minutes(b);
  });
}
