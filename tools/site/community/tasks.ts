/**
 * The two standing tasks over the population register: "frequently appears"
 * (an anonymous identity that lives here) and "persistently absent" (a
 * registered resident who no longer comes). Pure: the caller passes `now`.
 */

export interface Passage {
  /** ms epoch */
  at: number;
  terminalId: string;
  zoneId: number | null;
  /** The kind of zone the terminal guards: 'community', 'compound', 'building', 'unit-door', ... */
  zoneKind: string | null;
  /** The unit zone the passage points at, when the terminal knows (a unit door). */
  unitHint?: number | null;
  direction: 'in' | 'out' | 'unknown';
}

export interface FrequentSettings {
  /** k: distinct nights spent here (see findFrequentlyAppearing). */
  minDistinctDays: number;
  /** w: the window (days back from now) the nights are counted in. */
  windowDays: number;
  /** Zone kinds whose passages are residential (building and unit doors). */
  residentialZoneKinds: string[];
  /** IANA time zone the nights are counted in. */
  timeZone: string;
  /** Local hour (0-23) a stay must span to count as a night spent here. */
  nightHour: number;
  /** An in→out pair further apart than this is not taken as one stay (passages were missed). */
  maxStayHours: number;
}

export interface FrequentFinding {
  identityId: string;
  /** Distinct nights spent here within the window. */
  distinctDays: number;
  /** The unit (when doors name one) or building zone most of its residential passages are at. */
  likelyZoneId: number | null;
  firstSeen: number;
  lastSeen: number;
}

export interface AbsenceSettings {
  /** N for residents on no list with its own threshold. */
  defaultDays: number;
  /** N per list (e.g. tenants: shorter); a resident on several lists takes the shortest. */
  perListDays: Record<string, number>;
}

export interface AbsenceResident {
  personId: string;
  lists: string[];
  registeredAt: number;
  lastPassageAt: number | null;
}

export interface AbsenceFinding {
  personId: string;
  /** Whole days since the last passage (or since registration, for someone never seen). */
  absentDays: number;
  thresholdDays: number;
}

export class TaskSettingsError extends Error {
  readonly code = 'BAD_COMMUNITY_SETTINGS';
  constructor(message: string) {
    super(message);
    this.name = 'TaskSettingsError';
  }
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Defaults, measured with npm run bench:community (30 simulated days, 15% of faces
 * missed, so a night needs both door passages seen): 5 nights in 14 days found every
 * unregistered occupant in a median 8.5 days, at most 12, while couriers and cleaners
 * (in and out within the day) and visitors staying a night or two stayed below it.
 * The site sets timeZone to its own.
 */
export const DEFAULT_FREQUENT_SETTINGS: FrequentSettings = Object.freeze({
  minDistinctDays: 5,
  windowDays: 14,
  residentialZoneKinds: Object.freeze(['building', 'unit-door']) as string[],
  timeZone: 'UTC',
  nightHour: 3,
  maxStayHours: 40,
});

/**
 * 13 days: a mover-out is flagged N days after the last passage, so 13 is the longest N
 * that still finds one within two weeks, and every day shorter turns more residents on
 * a long trip into findings (bench:community: at N = 10 two of 300 residents on trips
 * of 12 and 15 days were flagged beside the 10 movers).
 */
export const DEFAULT_ABSENCE_SETTINGS: AbsenceSettings = Object.freeze({
  defaultDays: 13,
  perListDays: Object.freeze({}) as Record<string, number>,
});

function positiveInteger(v: unknown, what: string): number {
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1)) throw new TaskSettingsError(`${what} must be a positive whole number, got ${String(v)}`);
  return v;
}

function finiteTime(v: unknown, what: string): number {
  if (!(typeof v === 'number' && Number.isFinite(v))) throw new TaskSettingsError(`${what} must be a finite ms epoch, got ${String(v)}`);
  return v;
}

const wallClocks = new Map<string, Intl.DateTimeFormat>();

/** A formatter for the zone's wall clock; an unknown zone is a settings error. */
function wallClock(timeZone: string): Intl.DateTimeFormat {
  let f = wallClocks.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    } catch {
      throw new TaskSettingsError(`timeZone ${JSON.stringify(timeZone)} is not a known IANA time zone`);
    }
    wallClocks.set(timeZone, f);
  }
  return f;
}

/** The wall-clock reading at `t` in the zone, written as if it were UTC (so day/hour arithmetic is plain). */
function wallTime(t: number, clock: Intl.DateTimeFormat): number {
  const p: Record<string, number> = {};
  for (const part of clock.formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) + (t % 1000 + 1000) % 1000;
}

function checkFrequent(settings: FrequentSettings): Intl.DateTimeFormat {
  if (!settings || typeof settings !== 'object') throw new TaskSettingsError('frequent-appearance settings are required');
  const k = positiveInteger(settings.minDistinctDays, 'minDistinctDays');
  const w = positiveInteger(settings.windowDays, 'windowDays');
  if (k > w) throw new TaskSettingsError(`minDistinctDays (${k}) cannot exceed windowDays (${w})`);
  if (!Array.isArray(settings.residentialZoneKinds) || settings.residentialZoneKinds.some((z) => typeof z !== 'string')) {
    throw new TaskSettingsError('residentialZoneKinds must be a list of zone kinds');
  }
  if (!(Number.isInteger(settings.nightHour) && settings.nightHour >= 0 && settings.nightHour <= 23)) {
    throw new TaskSettingsError(`nightHour must be a whole hour 0-23, got ${String(settings.nightHour)}`);
  }
  if (!(typeof settings.maxStayHours === 'number' && settings.maxStayHours > 0 && settings.maxStayHours <= 24 * 14)) {
    throw new TaskSettingsError(`maxStayHours must be in (0, 336], got ${String(settings.maxStayHours)}`);
  }
  if (typeof settings.timeZone !== 'string') throw new TaskSettingsError('timeZone must be an IANA time zone name');
  return wallClock(settings.timeZone);
}

/**
 * Anonymous identities that live here. A night counts when, among the identity's
 * passages in time order, a residential 'in' (or direction-unknown) passage is
 * followed directly by a residential 'out' (or unknown) passage at the same zone,
 * at most maxStayHours later, and the stay spans nightHour local time: the person
 * slept behind that door. Couriers and cleaners go in and out within the day,
 * and leave through the gate between, so their passages never bracket a night.
 * An identity with at least minDistinctDays such nights in the last windowDays is
 * a finding. Findings come sorted by distinctDays (most first), then identityId.
 */
export function findFrequentlyAppearing(
  identities: { id: string; passages: Passage[] }[],
  settings: FrequentSettings,
  now: number,
): FrequentFinding[] {
  const clock = checkFrequent(settings);
  finiteTime(now, 'now');
  const residential = new Set(settings.residentialZoneKinds);
  const windowStart = now - settings.windowDays * DAY;
  const maxStay = settings.maxStayHours * HOUR;
  const findings: FrequentFinding[] = [];
  for (const identity of identities) {
    if (!identity || !Array.isArray(identity.passages) || identity.passages.length === 0) continue;
    const passages = identity.passages.filter((p) => Number.isFinite(p?.at) && p.at <= now).sort((a, b) => a.at - b.at);
    if (passages.length === 0) continue;
    const isResidential = (p: Passage) => p.zoneKind !== null && residential.has(p.zoneKind);
    const nights = new Set<number>();
    for (let i = 0; i + 1 < passages.length; i++) {
      const a = passages[i]!;
      const b = passages[i + 1]!;
      if (!isResidential(a) || !isResidential(b) || a.zoneId !== b.zoneId) continue;
      if (a.direction === 'out' || b.direction === 'in' || b.at - a.at > maxStay || b.at < windowStart) continue;
      // Every nightHour:00 on the wall clock between the two passages is a night here.
      const wa = wallTime(a.at, clock);
      const wb = wallTime(b.at, clock);
      for (let night = Math.floor(wa / DAY) * DAY + settings.nightHour * HOUR; night <= wb; night += DAY) {
        // The wall time of windowStart is within a day of it; compare in wall time to stay consistent.
        if (night >= wa && night >= wallTime(windowStart, clock)) nights.add(night);
      }
    }
    if (nights.size < settings.minDistinctDays) continue;
    findings.push({
      identityId: identity.id,
      distinctDays: nights.size,
      likelyZoneId: likelyZone(passages.filter((p) => isResidential(p) && p.at >= windowStart)),
      firstSeen: passages[0]!.at,
      lastSeen: passages[passages.length - 1]!.at,
    });
  }
  return findings.sort((x, y) => y.distinctDays - x.distinctDays || (x.identityId < y.identityId ? -1 : x.identityId > y.identityId ? 1 : 0));
}

/** The unit (if the doors name one) or zone most passages are at; a tie goes to the most recent. */
function likelyZone(passages: Passage[]): number | null {
  const counts = new Map<number, { n: number; last: number }>();
  for (const p of passages) {
    const zone = p.unitHint ?? p.zoneId;
    if (zone === null || zone === undefined) continue;
    const c = counts.get(zone) ?? { n: 0, last: -Infinity };
    c.n++;
    c.last = Math.max(c.last, p.at);
    counts.set(zone, c);
  }
  let best: number | null = null;
  let bestC = { n: 0, last: -Infinity };
  for (const [zone, c] of counts) {
    if (c.n > bestC.n || (c.n === bestC.n && c.last > bestC.last)) {
      best = zone;
      bestC = c;
    }
  }
  return best;
}

function thresholdFor(lists: string[], settings: AbsenceSettings): number {
  let n = settings.defaultDays;
  let listed = false;
  for (const list of lists) {
    if (!Object.hasOwn(settings.perListDays, list)) continue;
    const d = settings.perListDays[list]!;
    n = listed ? Math.min(n, d) : d;
    listed = true;
  }
  return n;
}

/**
 * Registered residents with no passage for their threshold N (whole days): the
 * shortest N of the lists they are on that have one, else defaultDays. Someone
 * never seen counts from registration. Sorted by absentDays, longest first.
 */
export function findPersistentlyAbsent(
  residents: AbsenceResident[],
  settings: AbsenceSettings,
  now: number,
): AbsenceFinding[] {
  if (!settings || typeof settings !== 'object') throw new TaskSettingsError('absence settings are required');
  positiveInteger(settings.defaultDays, 'defaultDays');
  if (!settings.perListDays || typeof settings.perListDays !== 'object') throw new TaskSettingsError('perListDays must be an object of list → days');
  for (const [list, days] of Object.entries(settings.perListDays)) positiveInteger(days, `perListDays.${list}`);
  finiteTime(now, 'now');
  const findings: AbsenceFinding[] = [];
  for (const r of residents) {
    const since = r.lastPassageAt ?? r.registeredAt;
    if (!Number.isFinite(since)) continue;
    const absentDays = Math.floor((now - since) / DAY);
    const thresholdDays = thresholdFor(Array.isArray(r.lists) ? r.lists : [], settings);
    if (absentDays >= thresholdDays) findings.push({ personId: r.personId, absentDays, thresholdDays });
  }
  return findings.sort((a, b) => b.absentDays - a.absentDays || (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0));
}
