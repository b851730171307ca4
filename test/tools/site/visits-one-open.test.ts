/**
 * Two site instances on one database applying the same visitor's entry at once open one
 * visit, not two (migration 0013's unique index on open visits), on SQLite and PostgreSQL.
 */
import * as assert from 'uvu/assert';
import { sql } from 'kysely';
import { createUnit, createZone, enterVisit, registerVisitor, type SiteStore } from '../../../tools/site/store/index.js';
import { onEveryDatabase } from './helpers/databases.js';

const SECRET = Buffer.alloc(32, 5);
const H = 3600_000;

async function visitor(store: SiteStore) {
  const zone = await createZone(store.db, { parentId: null, kind: 'building', name: 'B3' });
  const flat = await createUnit(store.db, { zoneId: zone.id, kind: 'flat', label: '3-101' });
  const v = await registerVisitor(store.db, SECRET, { name: 'V', hostUnitId: flat.id, expectedFrom: 0, expectedUntil: 24 * H });
  return { zone, v };
}

const openVisits = async (store: SiteStore, visitorId: number) =>
  (await store.db.selectFrom('visits').select('id').where('visitor_id', '=', visitorId).where('exited_at', 'is', null).execute()).map((r) => r.id);

await onEveryDatabase('site visits: one open visit per visitor', (test, open, _dialect, fresh) => {
  test('two instances entering the same visitor at once open one visit, and both get it', async () => {
    const url = await fresh();
    const a = await open(url);
    const b = await open(url);
    const { zone, v } = await visitor(a);
    for (let round = 0; round < 5; round++) {
      const entered = await Promise.all([
        enterVisit(a.db, { visitorId: v.id, passId: null, at: H + round, terminal: 'gate-in', zoneId: zone.id }),
        enterVisit(b.db, { visitorId: v.id, passId: null, at: H + round, terminal: 'north', zoneId: zone.id }),
        enterVisit(a.db, { visitorId: v.id, passId: null, at: H + round, terminal: 'b3-door', zoneId: zone.id }),
      ]);
      const ids = await openVisits(a, v.id);
      assert.is(ids.length, 1, `round ${round}: open visits ${ids.join(', ')}`);
      assert.equal(entered.map((e) => e.id), [ids[0], ids[0], ids[0]]);
      await a.db.updateTable('visits').set({ exited_at: 2 * H, closed: 'exit' }).where('id', '=', ids[0]!).execute();
    }
    // Closed visits do not count: the index only covers open ones.
    assert.is((await a.db.selectFrom('visits').select('id').where('visitor_id', '=', v.id).execute()).length, 5);
  });

  test('the open duplicates stored before the migration are cut to the oldest', async () => {
    const url = await fresh();
    const store = await open(url);
    const { zone, v } = await visitor(store);
    await store.db.schema.dropIndex('visits_one_open').execute();
    const row = { visitor_id: v.id, pass_id: null, entered_terminal: 'gate-in', zone_id: zone.id, closed: null };
    await store.db.insertInto('visits').values([{ ...row, entered_at: H, exited_at: null }, { ...row, entered_at: H + 1, exited_at: null }, { ...row, entered_at: 0, exited_at: 1 }]).execute();
    const [oldest] = await openVisits(store, v.id);
    await store.db.deleteFrom('kysely_migration' as never).where(sql.ref('name'), '=', '0013_one_open_visit').execute();
    await store.close();
    const again = await open(url);
    assert.equal(await openVisits(again, v.id), [oldest]);
    assert.is((await again.db.selectFrom('visits').select('id').where('visitor_id', '=', v.id).execute()).length, 2);
  });
});
