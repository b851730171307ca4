/** The zone tree: any depth, each zone with a materialised path of ids (`/1/4/9/`). */
import type { Kysely } from 'kysely';
import { SiteError } from '../errors.js';
import type { Database, Zone, ZoneKind } from './schema.js';

export interface NewZone {
  parentId: number | null;
  kind: ZoneKind;
  name: string;
}

export async function createZone(db: Kysely<Database>, z: NewZone, now = Date.now()): Promise<Zone> {
  return db.transaction().execute(async (tx) => {
    const parentPath = z.parentId === null ? '/' : (await getZone(tx, z.parentId)).path;
    // The path needs the new id: insert with a placeholder, then set it.
    const { id } = await tx
      .insertInto('zones')
      .values({ parent_id: z.parentId, kind: z.kind, name: z.name, path: '', created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    const path = `${parentPath}${id}/`;
    await tx.updateTable('zones').set({ path }).where('id', '=', id).execute();
    return { id, parent_id: z.parentId, kind: z.kind, name: z.name, path, created_at: now };
  });
}

export async function getZone(db: Kysely<Database>, id: number): Promise<Zone> {
  const zone = await db.selectFrom('zones').selectAll().where('id', '=', id).executeTakeFirst();
  if (!zone) throw new SiteError('NOT_FOUND', `no zone ${id}`);
  return zone;
}

export function listZones(db: Kysely<Database>): Promise<Zone[]> {
  return db.selectFrom('zones').selectAll().orderBy('path').execute();
}

/** The zone and every zone below it, at any depth. */
export async function subtree(db: Kysely<Database>, id: number): Promise<Zone[]> {
  const root = await getZone(db, id);
  return db.selectFrom('zones').selectAll().where('path', 'like', `${root.path}%`).orderBy('path').execute();
}

/** The zones from the top of the tree down to this one: the rings a person passes to reach it. */
export async function ancestry(db: Kysely<Database>, id: number): Promise<Zone[]> {
  const zone = await getZone(db, id);
  const ids = zone.path.split('/').filter(Boolean).map(Number);
  const zones = await db.selectFrom('zones').selectAll().where('id', 'in', ids).execute();
  return ids.map((i) => zones.find((z) => z.id === i)!);
}

export async function updateZone(db: Kysely<Database>, id: number, change: { name?: string; kind?: ZoneKind; parentId?: number | null }): Promise<Zone> {
  return db.transaction().execute(async (tx) => {
    const zone = await getZone(tx, id);
    if (change.name !== undefined || change.kind !== undefined) {
      await tx
        .updateTable('zones')
        .set({ ...(change.name !== undefined && { name: change.name }), ...(change.kind !== undefined && { kind: change.kind }) })
        .where('id', '=', id)
        .execute();
    }
    if (change.parentId !== undefined && change.parentId !== zone.parent_id) {
      const parentPath = change.parentId === null ? '/' : (await getZone(tx, change.parentId)).path;
      if (parentPath.startsWith(zone.path)) throw new SiteError('INVALID', `zone ${id} cannot move under its own sub-zone ${change.parentId}`);
      const newPath = `${parentPath}${id}/`;
      // Re-root the whole subtree: every path that starts with the old one.
      const descendants = await tx.selectFrom('zones').select(['id', 'path']).where('path', 'like', `${zone.path}%`).execute();
      for (const d of descendants) {
        await tx.updateTable('zones').set({ path: newPath + d.path.slice(zone.path.length) }).where('id', '=', d.id).execute();
      }
      await tx.updateTable('zones').set({ parent_id: change.parentId }).where('id', '=', id).execute();
    }
    return getZone(tx, id);
  });
}

/** Removes an empty zone; one with sub-zones or units is refused. */
export async function deleteZone(db: Kysely<Database>, id: number): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await getZone(tx, id);
    const child = await tx.selectFrom('zones').select('id').where('parent_id', '=', id).executeTakeFirst();
    if (child) throw new SiteError('CONFLICT', `zone ${id} has sub-zones`);
    const unit = await tx.selectFrom('units').select('id').where('zone_id', '=', id).executeTakeFirst();
    if (unit) throw new SiteError('CONFLICT', `zone ${id} has units`);
    await tx.updateTable('terminals').set({ zone_id: null }).where('zone_id', '=', id).execute();
    await tx.deleteFrom('zones').where('id', '=', id).execute();
  });
}
