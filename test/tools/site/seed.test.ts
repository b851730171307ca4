// The demo community npm start seeds: into an empty store only, the terminals placed on
// the zone path, residents with their cards as terminals take them, an admin who can log in.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEMO_RESIDENTS, seedDemoCommunity } from '../../../tools/site/seed.js';
import { ancestry, checkPassword, listTerminals, openSiteStore } from '../../../tools/site/store/index.js';

const SECRET = Buffer.alloc(32, 9);

test('an empty store gets the demo community once; the admin logs in with the password it printed', async () => {
  const store = await openSiteStore(':memory:');
  try {
    const first = await seedDemoCommunity(store, SECRET);
    assert.ok(first.seeded);
    const terminals = Object.fromEntries((await listTerminals(store.db)).map((t) => [t.id, t]));
    const path = async (id: string) => (await ancestry(store.db, terminals[id]!.zone_id!)).map((z) => z.name);
    assert.equal(await path('gate-1'), ['Maple Court']);
    assert.equal(await path('door-1'), ['Maple Court', 'North compound', 'Building 1']);
    assert.equal(first.persons.map((p) => [p.id, p.credentials]), DEMO_RESIDENTS.map((r) => [r.id, [{ type: 'card', value: r.card }]]));
    assert.ok(await checkPassword(store.db, first.admin!.username, first.admin!.password));
    const again = await seedDemoCommunity(store, SECRET);
    assert.equal(again, { seeded: false, persons: [] });
    assert.is((await listTerminals(store.db)).length, 2);
  } finally {
    await store.close();
  }
});

test.run();
