/**
 * Alert retention on a fake clock, on SQLite and PostgreSQL: an alert last seen more than
 * the retention period ago goes, with its notes and webhook deliveries (and so its
 * snapshot reference); a younger one, or an old stranger alert seen again lately, stays.
 */
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { startAlertRetention } from '../../../tools/site/alerts/retention.js';
import { addAlertNote, createWebhookEndpoint, enqueueDelivery, insertAlert, joinRecentAlert, putAlertRule } from '../../../tools/site/store/index.js';
import { rule as anyRule } from './helpers/alert-scenarios.js';
import { onEveryDatabase } from './helpers/databases.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 5, 9, 0, 0);
const rule = anyRule({ name: 'strangers', trigger: 'stranger' });
const alert = (at: number, snapshot: string, dedupeKey: string | null = null) => ({
  ruleId: 'strangers',
  ruleVersion: 1,
  trigger: 'stranger',
  severity: 'warning',
  zoneId: null,
  terminalId: 'gate-1',
  personId: null,
  event: null,
  score: null,
  liveness: null,
  snapshot,
  dedupeKey,
  at,
});

await onEveryDatabase('alert retention', (test, open) => {
  test('after the period an alert goes with its notes and deliveries; a younger one and one seen again lately stay', async () => {
    const store = await open();
    const { db } = store;
    const clock = new FakeClock(START);
    await putAlertRule(db, 'strangers', rule, null);
    await createWebhookEndpoint(db, 'ops', 'http://127.0.0.1:9/alerts', START);
    const old = await insertAlert(db, alert(START, 'snap-old'), START);
    await addAlertNote(db, old.id, 'seen by the guard', 'guard1', START);
    await enqueueDelivery(db, 'ops', old.id, '{}', START);
    const lingering = await insertAlert(db, alert(START, 'snap-lingering', 'zone:1'), START);
    const retention = startAlertRetention({ store, clock, retentionDays: 30, checkMs: DAY });

    clock.advance(10 * DAY);
    const young = await insertAlert(db, alert(clock.now(), 'snap-young'), clock.now());
    // The stranger is seen again on day 25: its alert's last sighting moves on.
    clock.advance(15 * DAY);
    assert.ok(await joinRecentAlert(db, 'strangers', 'zone:1', clock.now(), 30 * DAY));
    await retention.idle();
    const ids = async () => (await db.selectFrom('alerts').select('id').orderBy('id').execute()).map((r) => r.id);
    assert.equal(await ids(), [old.id, lingering.id, young.id], 'nothing is 30 days old yet');

    // Day 31: the first alert's 30 days are over at the next daily check.
    clock.advance(6 * DAY);
    await retention.idle();
    assert.equal(await ids(), [lingering.id, young.id]);
    assert.equal(await db.selectFrom('alert_notes').select('alert_id').execute(), []);
    assert.equal(await db.selectFrom('webhook_deliveries').select('alert_id').execute(), []);
    const snapshots = (await db.selectFrom('alerts').select('snapshot').orderBy('id').execute()).map((r) => r.snapshot);
    assert.equal(snapshots, ['snap-lingering', 'snap-young']);

    // Day 56: the lingering stranger (last seen day 25) and the young one (day 10) are both past 30 days.
    clock.advance(25 * DAY);
    await retention.idle();
    assert.equal(await ids(), []);
    retention.stop();
  });
});
