/**
 * The `inspection-overdue` alert trigger on a fake clock, on SQLite and PostgreSQL: a
 * unit whose inspection period passes raises one alert in the rule's zones, carrying the
 * unit and its inspector; a unit out of the zones stays silent; no second alert until a
 * visit has reset the count and a new period has passed; a restarted engine does not
 * raise the same spell again.
 */
import * as assert from 'uvu/assert';
import type { Unsubscribe } from '@limen/sdk';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { startAlertEngine } from '../../../tools/site/alerts/engine.js';
import type { AlertView } from '../../../tools/site/alerts/view.js';
import { createStaff, createUnit, createZone, DAY_MS, putAlertRule, recordInspectionVisit, searchAlerts, setUnitInspection, type SiteStore } from '../../../tools/site/store/index.js';
import { onEveryDatabase } from './helpers/databases.js';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 5, 9, 0, 0);
const SECRET = Buffer.alloc(32, 3);

function engine(store: SiteStore, clock: FakeClock) {
  const e = startAlertEngine({ store, clock, absenceCheckMs: 6 * HOUR, source: { onStored: (): Unsubscribe => () => {} } });
  const alerts: AlertView[] = [];
  e.onAlert((a) => alerts.push(a));
  const advance = async (ms: number) => {
    clock.advance(ms);
    await e.idle();
  };
  return { e, alerts, advance };
}

await onEveryDatabase('alert engine: inspection overdue', (test, open) => {
  test('inspection-overdue: a unit past its period raises one alert with unit and inspector in scope, none out of zone, again only after a visit and a new spell', async () => {
    const store = await open();
    const { db } = store;
    const clock = new FakeClock(START);
    const estate = await createZone(db, { parentId: null, kind: 'community', name: 'Estate' }, START);
    const b3 = await createZone(db, { parentId: estate.id, kind: 'building', name: 'B3' }, START);
    const farm = await createZone(db, { parentId: null, kind: 'building', name: 'Farm' }, START);
    const room = await createUnit(db, { zoneId: b3.id, kind: 'rented-room', label: '3-101' });
    const barn = await createUnit(db, { zoneId: farm.id, kind: 'rented-room', label: 'F-1' });
    const li = await createStaff(db, { username: 'li', role: 'inspector', password: 'a long enough password' }, START);
    await setUnitInspection(db, room.id, { inspectorId: li.id, periodDays: 7 }, START);
    await setUnitInspection(db, barn.id, { inspectorId: li.id, periodDays: 7 }, START);
    await putAlertRule(db, 'overdue-estate', { name: 'Overdue rooms', trigger: 'inspection-overdue', enabled: true, lists: [], zones: [estate.id], terminals: [], periods: [], severity: 'info', actions: { popup: true, webhooks: [], mqtt: false } }, null);
    let h = engine(store, clock);
    try {
      await h.advance(7 * DAY_MS - HOUR);
      assert.equal(h.alerts, [], 'not yet overdue');
      await h.advance(6 * HOUR);
      assert.equal(
        h.alerts.map((a) => [a.ruleId, a.trigger, a.zoneId, a.unit, a.inspector]),
        [['overdue-estate', 'inspection-overdue', b3.id, { id: room.id, label: '3-101' }, { id: li.id, username: 'li' }]],
        'the room in the estate, not the barn on the farm',
      );
      await h.advance(3 * DAY_MS);
      assert.is(h.alerts.length, 1, 'once per overdue spell');

      // A restarted engine finds the spell already alerted.
      h.e.stop();
      h = engine(store, clock);
      await h.advance(DAY_MS);
      assert.equal(h.alerts, [], 'not again after a restart');

      await recordInspectionVisit(db, SECRET, { unitId: room.id, inspector: { id: li.id, username: 'li' }, at: clock.now(), confirmed: [], departed: [], added: [] });
      await h.advance(7 * DAY_MS - HOUR);
      assert.equal(h.alerts, [], 'the visit reset the count');
      await h.advance(6 * HOUR);
      assert.equal(h.alerts.map((a) => a.unit?.id), [room.id], 'a new spell, a new alert');
      const stored = await searchAlerts(db, { trigger: 'inspection-overdue' });
      assert.is(stored.length, 2);
      assert.ok(stored.every((a) => a.zone_id === b3.id));
    } finally {
      h.e.stop();
    }
  });
});
