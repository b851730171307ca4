/**
 * Parses a point in time for `--since` / `--until`: a duration back from now
 * ("90s", "10m", "2h", "7d"), an ISO date or date-time, or epoch milliseconds.
 */
export function parseTimeArg(text: string, now: number): number {
  const rel = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (rel) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 's' | 'm' | 'h' | 'd'];
    return now - Number(rel[1]) * unit;
  }
  if (/^\d{12,}$/.test(text)) return Number(text);
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new Error(`invalid time "${text}": use a duration like 10m, 2h, 7d or an ISO date like 2026-01-31T08:00`);
  return t;
}
