/**
 * `/api/stats/entries-per-hour` (what the dashboard's chart reads): granted passages
 * counted per hour and zone, on SQLite and PostgreSQL; counts only, so any staff role
 * may read it and no audit entry is written (a records search is audited every time).
 */
import * as assert from 'uvu/assert';
import { buildSiteServer } from '../../../tools/site/server/index.js';
import { createStaff, createZone, insertEvent } from '../../../tools/site/store/index.js';
import { onEveryDatabase } from './helpers/databases.js';

const PASSWORD = 'a long enough password';
const HOUR = 3_600_000;

await onEveryDatabase('entries per hour', (test, open) => {
  test('granted passages per hour and zone, no personal data, not audited; bad ranges refused', async () => {
    const store = await open();
    await createStaff(store.db, { username: 'viewer', role: 'viewer', password: PASSWORD });
    const zone = await createZone(store.db, { parentId: null, kind: 'community', name: 'Gate' });
    const now = Date.parse('2026-05-01T12:30:00Z');
    const at = (h: number, m: number) => Date.parse(`2026-05-01T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00Z`);
    const placed = { zone_id: zone.id, direction: 'in' as const };
    let seq = 0;
    const event = (ts: number, result: 'granted' | 'denied', where: { zone_id: number | null; direction: 'in' } = placed) =>
      insertEvent(store.db, { terminal: 'gate-1', seq: ++seq, ts, type: `access.${result}`, result, personId: 'ann' }, where);
    await event(at(10, 5), 'granted');
    await event(at(10, 55), 'granted');
    await event(at(10, 56), 'denied');
    await event(at(11, 0), 'granted');
    await event(at(11, 1), 'granted', { zone_id: null, direction: 'in' });
    await event(at(0, 10), 'granted'); // before the range
    const app = await buildSiteServer({ store, secret: Buffer.alloc(32, 1), now: () => now });
    try {
      const login = await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'viewer', password: PASSWORD } });
      const cookie = login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
      const res = await app.inject({ method: 'GET', url: '/api/stats/entries-per-hour', headers: { cookie } });
      assert.is(res.statusCode, 200, res.body);
      assert.equal(res.json(), {
        from: now - 12 * HOUR,
        to: now,
        hours: [
          { hour: at(10, 0), zoneId: zone.id, count: 2 },
          { hour: at(11, 0), zoneId: null, count: 1 },
          { hour: at(11, 0), zoneId: zone.id, count: 1 },
        ],
      });
      assert.not.match(res.body, /ann/, 'no person in the answer');
      const audited = await store.db.selectFrom('audit').select('action').where('action', '!=', 'staff.login').execute();
      assert.equal(audited, []);
      const reversed = await app.inject({ method: 'GET', url: '/api/stats/entries-per-hour?from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z', headers: { cookie } });
      assert.is(reversed.statusCode, 400);
      const tooLong = await app.inject({ method: 'GET', url: '/api/stats/entries-per-hour?from=2026-04-01T00:00:00Z&to=2026-05-01T00:00:00Z', headers: { cookie } });
      assert.is(tooLong.statusCode, 400);
      assert.is((await app.inject({ method: 'GET', url: '/api/stats/entries-per-hour' })).statusCode, 401);
    } finally {
      await app.close();
    }
  });
});
