/**
 * Webhook delivery against real local HTTP receivers, with a fake clock for the
 * back-off, on SQLite and PostgreSQL: every request is signed (HMAC-SHA256 over
 * timestamp + body, checked the way docs/protocol.md tells receivers to); a receiver
 * that fails 3 times then succeeds gets the alert on the 4th attempt, each retry
 * exactly when its doubling delay has passed; a receiver that never recovers ends in
 * the dead-letter list, shows in the endpoint's health, and an admin's replay
 * delivers it once the receiver is back.
 */
import * as assert from 'uvu/assert';
import type { Unsubscribe } from '@limen/sdk';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { startAlertEngine } from '../../../tools/site/alerts/engine.js';
import { startWebhookDelivery, verifyWebhook, WEBHOOK_HEADERS } from '../../../tools/site/alerts/webhooks.js';
import type { IngestedEvent } from '../../../tools/site/ingest.js';
import { buildSiteServer } from '../../../tools/site/server/index.js';
import { createStaff, createZone, insertEvent, placeTerminal, putAlertRule } from '../../../tools/site/store/index.js';
import { onEveryDatabase } from './helpers/databases.js';
import { receiver } from './helpers/webhook-receiver.js';

const PASSWORD = 'a long enough password';

await onEveryDatabase('alert webhooks', (test, open) => {
  test('signed deliveries retried with exponential back-off; a receiver that never recovers ends dead, healthy again after a replay', async () => {
    const store = await open();
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 9));
    await createStaff(store.db, { username: 'root', role: 'admin', password: PASSWORD });
    const zone = await createZone(store.db, { parentId: null, kind: 'community', name: 'Gate' });
    await placeTerminal(store.db, { id: 'gate-1', zoneId: zone.id, role: 'gate', direction: 'in' });
    const flaky = await receiver((n) => n <= 3);
    let brokenUntilReplay = true;
    const broken = await receiver(() => brokenUntilReplay);
    const stored = new Set<(e: IngestedEvent) => void>();
    const engine = startAlertEngine({ store, clock, source: { onStored: (l): Unsubscribe => (stored.add(l), () => void stored.delete(l)) } });
    const delivery = startWebhookDelivery({ store, clock, source: engine, baseDelayMs: 1000, maxAttempts: 5 });
    const app = await buildSiteServer({ store, secret: Buffer.alloc(32, 1), alerts: engine, webhooks: delivery, now: () => clock.now() });
    try {
      const login = await app.inject({ method: 'POST', url: '/api/login', payload: { username: 'root', password: PASSWORD } });
      const admin = { cookie: login.cookies.map((c) => `${c.name}=${c.value}`).join('; '), 'x-csrf-token': login.json().csrfToken as string };
      const secrets: Record<string, string> = {};
      for (const [id, r] of [['flaky', flaky], ['broken', broken]] as const) {
        const res = await app.inject({ method: 'POST', url: '/api/webhooks', headers: admin, payload: { id, url: r.url } });
        assert.is(res.statusCode, 201, res.body);
        secrets[id] = res.json().secret;
      }
      assert.is((await app.inject({ method: 'POST', url: '/api/webhooks', headers: admin, payload: { id: 'bad', url: 'ftp://x' } })).json().error.code, 'INVALID');
      const rule = { name: 'Tamper', trigger: 'tamper', enabled: true, lists: [], zones: [], terminals: [], periods: [], severity: 'critical', actions: { popup: false, webhooks: ['flaky', 'broken'], mqtt: false } };
      assert.is((await app.inject({ method: 'PUT', url: '/api/alert-rules/tamper', headers: admin, payload: rule })).statusCode, 200);

      const settle = async (ms: number) => {
        clock.advance(ms);
        await engine.idle();
        await delivery.idle();
      };
      const e = { terminal: 'gate-1', seq: 1, ts: clock.now(), type: 'alarm.tamper', result: null };
      await insertEvent(store.db, e, { zone_id: zone.id, direction: 'in' }, clock.now());
      for (const l of stored) l({ ...e, reason: null, personId: null, credentialType: null, credentialRef: null, zoneId: zone.id, direction: 'in' });
      await settle(0);
      assert.is(flaky.got.length, 1, 'first attempt at once');
      // Retries after 1 s, 2 s, 4 s: not a moment before.
      for (const [delay, attempts] of [[1000, 2], [2000, 3], [4000, 4]] as const) {
        await settle(delay - 1);
        assert.is(flaky.got.length, attempts - 1, `no retry before ${delay} ms`);
        await settle(1);
        assert.is(flaky.got.length, attempts, `retry after ${delay} ms`);
      }
      const bodies = new Set(flaky.got.map((g) => g.body));
      assert.is(bodies.size, 1, 'the same body every time');
      const sent = JSON.parse(flaky.got[0]!.body);
      assert.equal([sent.type, sent.alert.ruleId, sent.alert.ruleVersion, sent.alert.trigger, sent.alert.terminal], ['alert', 'tamper', 1, 'tamper', 'gate-1']);
      for (const g of flaky.got) {
        assert.is(g.headers[WEBHOOK_HEADERS.event], 'alert');
        const headers = { timestamp: g.headers[WEBHOOK_HEADERS.timestamp] as string, signature: g.headers[WEBHOOK_HEADERS.signature] as string };
        assert.ok(verifyWebhook(secrets.flaky!, headers, g.body, clock.now()), 'signed with the endpoint secret');
        assert.not.ok(verifyWebhook(secrets.broken!, headers, g.body, clock.now()), 'not with another one');
        assert.not.ok(verifyWebhook(secrets.flaky!, headers, g.body.replace('tamper', 'tamperx'), clock.now()), 'a changed body fails');
      }
      assert.not.ok(verifyWebhook(secrets.flaky!, { timestamp: flaky.got[0]!.headers[WEBHOOK_HEADERS.timestamp] as string, signature: flaky.got[0]!.headers[WEBHOOK_HEADERS.signature] as string }, flaky.got[0]!.body, clock.now() + 3_600_000), 'an old request replayed later fails');

      await settle(8000);
      assert.is(broken.got.length, 5, 'five attempts to the broken receiver');
      await settle(3_600_000);
      assert.is(broken.got.length, 5, 'then none: it is dead');
      const health = (await app.inject({ method: 'GET', url: '/api/webhooks', headers: admin })).json().endpoints as Array<Record<string, unknown>>;
      const byId = Object.fromEntries(health.map((h) => [h.id, h]));
      assert.equal([byId.flaky!.delivered, byId.flaky!.dead, byId.flaky!.consecutiveFailures, typeof byId.flaky!.lastSuccessAt], [1, 0, 0, 'number']);
      assert.equal([byId.broken!.delivered, byId.broken!.dead, byId.broken!.consecutiveFailures, byId.broken!.lastError, byId.broken!.lastSuccessAt], [0, 1, 5, 'HTTP 500', null]);
      const dead = (await app.inject({ method: 'GET', url: '/api/webhook-deliveries?state=dead', headers: admin })).json().deliveries as Array<{ id: number; endpointId: string; attempts: number }>;
      assert.equal(dead.map((d) => [d.endpointId, d.attempts]), [['broken', 5]]);

      brokenUntilReplay = false;
      assert.is((await app.inject({ method: 'POST', url: `/api/webhook-deliveries/${dead[0]!.id}/replay`, headers: admin })).statusCode, 202);
      await delivery.idle();
      assert.is(broken.got.length, 6);
      assert.equal((await app.inject({ method: 'GET', url: '/api/webhook-deliveries?state=dead', headers: admin })).json().deliveries, []);
      assert.is((await app.inject({ method: 'POST', url: `/api/webhook-deliveries/${dead[0]!.id}/replay`, headers: admin })).statusCode, 409, 'only dead ones replay');
      const audit = await store.db.selectFrom('audit').select('action').where('action', 'like', 'webhook.%').orderBy('id').execute();
      assert.equal(audit.map((a) => a.action), ['webhook.create', 'webhook.create', 'webhook.replay']);
    } finally {
      delivery.stop();
      engine.stop();
      await app.close();
      flaky.server.close();
      broken.server.close();
    }
  });
});
