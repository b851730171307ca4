/** Where each fleet terminal sits: its zone, its role there and the direction it passes people. */
import type { Kysely } from 'kysely';
import { SiteError } from '../errors.js';
import type { Database, Terminal, TerminalDirection, TerminalRole } from './schema.js';
import { getZone } from './zones.js';

export interface Placement {
  id: string;
  zoneId: number | null;
  role: TerminalRole;
  direction: TerminalDirection;
  name?: string | null;
}

export async function placeTerminal(db: Kysely<Database>, p: Placement): Promise<Terminal> {
  if (p.zoneId !== null) await getZone(db, p.zoneId);
  const row = { id: p.id, zone_id: p.zoneId, role: p.role, direction: p.direction, name: p.name ?? null };
  await db
    .insertInto('terminals')
    .values(row)
    .onConflict((oc) => oc.column('id').doUpdateSet({ zone_id: p.zoneId, role: p.role, direction: p.direction, name: row.name }))
    .execute();
  return row;
}

export async function getTerminal(db: Kysely<Database>, id: string): Promise<Terminal | undefined> {
  return db.selectFrom('terminals').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listTerminals(db: Kysely<Database>): Promise<Terminal[]> {
  return db.selectFrom('terminals').selectAll().orderBy('id').execute();
}

export async function removeTerminal(db: Kysely<Database>, id: string): Promise<void> {
  const r = await db.deleteFrom('terminals').where('id', '=', id).executeTakeFirst();
  if (r.numDeletedRows === 0n) throw new SiteError('NOT_FOUND', `no terminal ${id}`);
}
