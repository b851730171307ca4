// Aggregates for charts: counts only, never who, so reading them is not a read of personal data.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

const HOUR = 3_600_000;

export interface HourlyEntries {
  /** Start of the hour, epoch ms. */
  hour: number;
  /** The zone of the terminal at ingest; null when it was not placed. */
  zoneId: number | null;
  count: number;
}

/** Granted passages per hour and zone in [from, to). */
export async function entriesPerHour(db: Kysely<Database>, range: { from: number; to: number }): Promise<HourlyEntries[]> {
  // Integer division on both dialects: ts is an integer column.
  const bucket = sql<number>`(ts / ${sql.lit(HOUR)})`;
  const rows = await db
    .selectFrom('events')
    .select([bucket.as('bucket'), 'zone_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('result', '=', 'granted')
    .where('ts', '>=', range.from)
    .where('ts', '<', range.to)
    .groupBy([bucket, 'zone_id'])
    .execute();
  // PostgreSQL returns bigint counts as strings; the two dialects order nulls apart, so sort here (unplaced first).
  return rows
    .map((r) => ({ hour: Math.floor(Number(r.bucket)) * HOUR, zoneId: r.zone_id, count: Number(r.n) }))
    .sort((a, b) => a.hour - b.hour || (a.zoneId ?? -1) - (b.zoneId ?? -1));
}
