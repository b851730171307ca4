import ms, { type StringValue } from 'ms';

// A duration is a number and a unit ("90s", "10m", "1.5h", "7d", "2 weeks"):
// read by the `ms` package. A bare number is not one (it would be milliseconds
// to `ms`, a year to Date.parse), so only text ending in a unit goes to `ms`.
const DURATION = /^\d+(\.\d+)?\s*[a-z]+$/i;

/** What a bad `--since` / `--until` value says. */
export class TimeArgError extends Error {
  readonly code = 'BAD_TIME';
  constructor(text: string) {
    super(`invalid time "${text}": use a duration like 10m, 2h, 7d or an ISO date like 2026-01-31T08:00`);
    this.name = 'TimeArgError';
  }
}

/**
 * Parses a point in time for `--since` / `--until`: a duration back from now
 * ("90s", "10m", "2h", "7d"), an ISO date or date-time, or epoch milliseconds.
 * Throws TimeArgError (code BAD_TIME) otherwise.
 */
export function parseTimeArg(text: string, now: number): number {
  const trimmed = text.trim();
  if (DURATION.test(trimmed)) {
    const back = ms(trimmed as StringValue) as number | undefined;
    // Not a unit `ms` knows ("5 Jan"): Date.parse may still read it.
    if (back !== undefined && Number.isFinite(back)) return now - back;
  }
  if (/^\d{12,}$/.test(trimmed)) return Number(trimmed);
  const t = Date.parse(trimmed);
  if (Number.isNaN(t)) throw new TimeArgError(text);
  return t;
}
