/**
 * Who is where, from passages (granted events with a direction): an `in` at zone Z
 * puts the person in Z; an `out` at Z puts them in Z's parent (outside everything
 * when Z has none). A person is inside every zone on the path to their position, so
 * a zone's occupancy counts the positions in its subtree. Events may arrive out of
 * time order across terminals: a passage older than the stored one changes nothing.
 */
import type { Kysely } from 'kysely';
import { SiteError } from '../errors.js';
import type { Database, PassageDirection, SubjectKind } from './schema.js';
import { getZone, listZones } from './zones.js';

export interface Passage {
  subject: string;
  kind: SubjectKind;
  zoneId: number;
  direction: PassageDirection;
  ts: number;
}

/** Moves a subject by one passage; returns their zone after it (null: outside), or undefined when the passage was older than the last. */
export async function recordPassage(db: Kysely<Database>, p: Passage): Promise<number | null | undefined> {
  const zone = await getZone(db, p.zoneId);
  const to = p.direction === 'in' ? zone.id : zone.parent_id;
  const row = { subject: p.subject, kind: p.kind, zone_id: to, ts: p.ts };
  const r = await db
    .insertInto('positions')
    .values(row)
    .onConflict((oc) => oc.column('subject').doUpdateSet({ kind: p.kind, zone_id: to, ts: p.ts }).where('positions.ts', '<=', p.ts))
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0 ? to : undefined;
}

export interface ZoneOccupancy {
  zoneId: number;
  residents: number;
  visitors: number;
  unknown: number;
  /** Vehicles inside (parking occupancy), from plate passages. */
  vehicles: number;
}

/** For every zone, how many residents, visitors and unknown persons are inside it (its sub-zones included). */
export async function occupancy(db: Kysely<Database>): Promise<ZoneOccupancy[]> {
  const zones = await listZones(db);
  const counts = await db
    .selectFrom('positions')
    .select(['zone_id', 'kind', (eb) => eb.fn.countAll<number>().as('n')])
    .where('zone_id', 'is not', null)
    .groupBy(['zone_id', 'kind'])
    .execute();
  const byId = new Map<number, ZoneOccupancy>(zones.map((z) => [z.id, { zoneId: z.id, residents: 0, visitors: 0, unknown: 0, vehicles: 0 }]));
  const pathOf = new Map(zones.map((z) => [z.id, z.path]));
  const field = { resident: 'residents', visitor: 'visitors', unknown: 'unknown', vehicle: 'vehicles' } as const;
  for (const c of counts) {
    const path = pathOf.get(c.zone_id!);
    if (path === undefined) continue;
    // Every zone on the path holds them.
    for (const id of path.split('/').filter(Boolean).map(Number)) {
      const o = byId.get(id);
      if (o) o[field[c.kind]] += Number(c.n);
    }
  }
  return zones.map((z) => byId.get(z.id)!);
}

export interface TrajectoryStep {
  ts: number;
  terminal: string;
  zoneId: number | null;
  zoneName: string | null;
  direction: PassageDirection | null;
  result: 'granted' | 'denied' | null;
  type: string;
}

/** A person's events at placed terminals in [from, to), in time order, with the zone each was in. */
export async function trajectory(db: Kysely<Database>, personId: string, from: number, to: number): Promise<TrajectoryStep[]> {
  if (!(to > from)) throw new SiteError('INVALID', 'trajectory: `to` must be after `from`');
  if (to - from > 31 * 24 * 3600_000) throw new SiteError('INVALID', 'trajectory: at most 31 days');
  const rows = await db
    .selectFrom('events')
    .leftJoin('zones', 'zones.id', 'events.zone_id')
    .select(['events.ts', 'events.terminal_id', 'events.zone_id', 'zones.name as zone_name', 'events.direction', 'events.result', 'events.type', 'events.id'])
    .where('events.person_id', '=', personId)
    .where('events.ts', '>=', from)
    .where('events.ts', '<', to)
    .orderBy('events.ts')
    .orderBy('events.id')
    .limit(5000)
    .execute();
  return rows.map((r) => ({ ts: r.ts, terminal: r.terminal_id, zoneId: r.zone_id, zoneName: r.zone_name, direction: r.direction, result: r.result, type: r.type }));
}
