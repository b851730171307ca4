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
  /** 'building', 'door', 'unit', 'gate', 'compound', ... (the zone the terminal guards). */
  zoneKind: string | null;
  /** The unit zone the passage points at, when the terminal knows (a unit door). */
  unitHint?: number | null;
  direction: 'in' | 'out' | 'unknown';
}

export interface FrequentSettings {
  /** k: distinct local days with a residential passage. */
  minDistinctDays: number;
  /** w: the window (days back from now) the days are counted in. */
  windowDays: number;
  /** Zone kinds whose passages count as residential (building and unit doors). */
  residentialZoneKinds: string[];
  /** IANA time zone the days and hours are counted in. */
  timeZone: string;
}

export interface FrequentFinding {
  identityId: string;
  distinctDays: number;
  /** The building/unit zone most of its residential passages are at. */
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

export const DEFAULT_FREQUENT_SETTINGS: FrequentSettings = {
  minDistinctDays: 5,
  windowDays: 14,
  residentialZoneKinds: ['building', 'door', 'unit'],
  timeZone: 'UTC',
};

export const DEFAULT_ABSENCE_SETTINGS: AbsenceSettings = {
  defaultDays: 10,
  perListDays: {},
};

export function findFrequentlyAppearing(
  identities: { id: string; passages: Passage[] }[],
  settings: FrequentSettings,
  now: number,
): FrequentFinding[] {
  void identities; void settings; void now;
  throw new Error('not implemented');
}

export function findPersistentlyAbsent(
  residents: AbsenceResident[],
  settings: AbsenceSettings,
  now: number,
): AbsenceFinding[] {
  void residents; void settings; void now;
  throw new Error('not implemented');
}
