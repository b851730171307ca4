/**
 * The site's settings of the standing tasks, kept in `community_settings`: the
 * frequently-appears and persistently-absent thresholds (defaults: tasks.ts's
 * DEFAULT_*), how long a rejected finding stays suppressed, and how long anonymous
 * identities are kept. Validated by the tasks' own checks before they are stored.
 */
import { SiteError } from '../errors.js';
import type { SiteStore } from '../store/index.js';
import { DEFAULT_ABSENCE_SETTINGS, DEFAULT_FREQUENT_SETTINGS, findFrequentlyAppearing, findPersistentlyAbsent, TaskSettingsError, type AbsenceSettings, type FrequentSettings } from './tasks.js';

export const DEFAULT_REJECT_SUPPRESS_DAYS = 30;
/** Days an anonymous identity is kept after its last sighting (as the terminals keep strangers' events). */
export const DEFAULT_ANONYMOUS_RETENTION_DAYS = 30;

export interface CommunitySettings {
  frequent: FrequentSettings;
  absence: AbsenceSettings;
  rejectSuppressDays: number;
  retentionDays: number;
}

export const DEFAULT_COMMUNITY_SETTINGS: CommunitySettings = {
  frequent: { ...DEFAULT_FREQUENT_SETTINGS, residentialZoneKinds: [...DEFAULT_FREQUENT_SETTINGS.residentialZoneKinds] },
  absence: { ...DEFAULT_ABSENCE_SETTINGS, perListDays: { ...DEFAULT_ABSENCE_SETTINGS.perListDays } },
  rejectSuppressDays: DEFAULT_REJECT_SUPPRESS_DAYS,
  retentionDays: DEFAULT_ANONYMOUS_RETENTION_DAYS,
};

const KEY = 'settings';

export async function loadSettings(store: SiteStore): Promise<CommunitySettings> {
  const row = await store.db.selectFrom('community_settings').select('value').where('key', '=', KEY).executeTakeFirst();
  if (!row) return structuredClone(DEFAULT_COMMUNITY_SETTINGS);
  const saved = JSON.parse(row.value) as Partial<CommunitySettings>;
  return {
    frequent: { ...DEFAULT_COMMUNITY_SETTINGS.frequent, ...saved.frequent },
    absence: { ...DEFAULT_COMMUNITY_SETTINGS.absence, ...saved.absence },
    rejectSuppressDays: saved.rejectSuppressDays ?? DEFAULT_REJECT_SUPPRESS_DAYS,
    retentionDays: saved.retentionDays ?? DEFAULT_ANONYMOUS_RETENTION_DAYS,
  };
}

const wholeDays = (v: unknown, field: string) => {
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 3650)) throw new SiteError('INVALID', `${field}: a whole number of days from 1 to 3650`, field);
};

/** Merges `patch` over the settings in force, checks the result and stores it. */
export async function saveSettings(store: SiteStore, patch: Partial<CommunitySettings>, now: number): Promise<CommunitySettings> {
  const current = await loadSettings(store);
  const next: CommunitySettings = {
    frequent: { ...current.frequent, ...patch.frequent },
    absence: { ...current.absence, ...patch.absence },
    rejectSuppressDays: patch.rejectSuppressDays ?? current.rejectSuppressDays,
    retentionDays: patch.retentionDays ?? current.retentionDays,
  };
  wholeDays(next.rejectSuppressDays, 'rejectSuppressDays');
  wholeDays(next.retentionDays, 'retentionDays');
  try {
    findFrequentlyAppearing([], next.frequent, now);
    findPersistentlyAbsent([], next.absence, now);
  } catch (err) {
    if (err instanceof TaskSettingsError) throw new SiteError('INVALID', err.message);
    throw err;
  }
  const value = JSON.stringify(next);
  await store.db
    .insertInto('community_settings')
    .values({ key: KEY, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
  return next;
}
