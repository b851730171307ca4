/** The inspections tests' estate: rented rooms in one building of one community. */
import type { Kysely } from 'kysely';
import { createUnit, createZone, type Database } from '../../../../tools/site/store/index.js';

/** The community 枫林苑, its building 3号楼, and a rented room there for each label (e.g. '3-101'), in order: their unit ids. */
export async function rentedRooms<const L extends readonly string[]>(db: Kysely<Database>, labels: L): Promise<{ [K in keyof L]: number }> {
  const root = await createZone(db, { parentId: null, kind: 'community', name: '枫林苑' });
  const b3 = await createZone(db, { parentId: root.id, kind: 'building', name: '3号楼' });
  const ids: number[] = [];
  for (const label of labels) ids.push((await createUnit(db, { zoneId: b3.id, kind: 'rented-room', label })).id);
  return ids as { [K in keyof L]: number };
}
