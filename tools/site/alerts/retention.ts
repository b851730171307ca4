/**
 * Alert retention: alerts whose last sighting is older than the retention period are
 * deleted with their notes and webhook deliveries, checked on the injected clock. An alert
 * names a person and points at a face snapshot, so it is not kept for ever. The snapshot
 * itself is sealed on the terminal that took it, and the terminal's own retention deletes
 * it; once the alert is gone, nothing on the site names it any more.
 */
import type { FleetLogger } from '@limen/sdk';
import { startPeriodicJobs } from '../periodic-jobs.js';
import type { SiteStore } from '../store/index.js';
import type { AlertClock } from './clock.js';

export const DEFAULT_ALERT_RETENTION_DAYS = 90;
export const DEFAULT_RETENTION_CHECK_MS = 60 * 60_000;
const DAY_MS = 86_400_000;

export interface AlertRetentionOptions {
  store: SiteStore;
  clock: AlertClock;
  /** Days an alert is kept after its last sighting (default 90). */
  retentionDays?: number;
  /** How often to look (default hourly). */
  checkMs?: number;
  logger?: FleetLogger;
}

export interface AlertRetention {
  /** Deletes what is past the period now; resolves with how many alerts went. */
  purge(): Promise<number>;
  /** Resolves once the purges started so far have finished (tests wait on it). */
  idle(): Promise<void>;
  stop(): void;
}

/** Deletes alerts last seen before `before`, with their notes and deliveries; returns how many alerts. */
export async function purgeAlertsBefore(store: SiteStore, before: number): Promise<number> {
  return store.db.transaction().execute(async (tx) => {
    const old = tx.selectFrom('alerts').select('id').where('last_seen_at', '<', before);
    await tx.deleteFrom('alert_notes').where('alert_id', 'in', old).execute();
    await tx.deleteFrom('webhook_deliveries').where('alert_id', 'in', old).execute();
    const r = await tx.deleteFrom('alerts').where('last_seen_at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  });
}

export function startAlertRetention(o: AlertRetentionOptions): AlertRetention {
  const days = o.retentionDays ?? DEFAULT_ALERT_RETENTION_DAYS;
  if (!(days > 0)) throw new TypeError('alert retention: retentionDays must be > 0');
  const jobs = startPeriodicJobs({
    clock: o.clock,
    everyMs: o.checkMs ?? DEFAULT_RETENTION_CHECK_MS,
    onTick: () => void purge().catch(() => undefined),
    ...(o.logger && { logger: o.logger }),
    failed: 'site: alert retention failed',
  });
  const purge = () => jobs.serial(() => purgeAlertsBefore(o.store, o.clock.now() - days * DAY_MS));
  return { purge, idle: jobs.idle, stop: jobs.stop };
}
