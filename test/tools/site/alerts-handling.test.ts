/**
 * Alert pop-up and handling, on SQLite and PostgreSQL: an alert raised by the engine
 * reaches the console's /api/live socket at once as an `alert` message (viewers without
 * the person or snapshot; rules without the pop-up action not at all); a guard
 * acknowledges it, adds a note and closes it; steps out of order are refused (409);
 * who did what is on the alert and in the audit log.
 */
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import type { Unsubscribe } from '@limen/sdk';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { startAlertEngine } from '../../../tools/site/alerts/engine.js';
import type { IngestedEvent } from '../../../tools/site/ingest.js';
import { buildSiteServer } from '../../../tools/site/server/index.js';
import { createStaff, createZone, insertEvent, placeTerminal, putAlertRule, type RuleDefinition } from '../../../tools/site/store/index.js';
import { guard } from '../../sdk/helpers/wait.js';
import { rule as anyRule } from './helpers/alert-scenarios.js';
import { onEveryDatabase } from './helpers/databases.js';

const PASSWORD = 'a long enough password';

const rule = (over: Partial<RuleDefinition>): RuleDefinition => anyRule({ trigger: 'tamper', severity: 'critical', ...over });

const nextMessage = (ws: WebSocket) => guard(new Promise<any>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d))))), 'live message');
const opened = (ws: WebSocket) => guard(new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject))), 'socket open');

await onEveryDatabase('alert handling', (test, open) => {
  test('pop-up on /api/live, then acknowledge, note, close; out-of-order steps refused; audited', async () => {
    const store = await open();
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 9));
    await createStaff(store.db, { username: 'guard1', role: 'guard', password: PASSWORD });
    await createStaff(store.db, { username: 'viewer1', role: 'viewer', password: PASSWORD });
    await createStaff(store.db, { username: 'root', role: 'admin', password: PASSWORD });
    const zone = await createZone(store.db, { parentId: null, kind: 'community', name: 'Gate' });
    await placeTerminal(store.db, { id: 'gate-1', zoneId: zone.id, role: 'gate', direction: 'in' });
    await putAlertRule(store.db, 'quiet', rule({ trigger: 'fire', actions: { popup: false, webhooks: [], mqtt: false } }), null);
    await putAlertRule(store.db, 'tamper', rule({}), null);
    const stored = new Set<(e: IngestedEvent) => void>();
    const engine = startAlertEngine({ store, clock, source: { onStored: (l): Unsubscribe => (stored.add(l), () => void stored.delete(l)) } });
    const app = await buildSiteServer({ store, secret: Buffer.alloc(32, 1), alerts: engine, now: () => clock.now() });
    const sockets: WebSocket[] = [];
    try {
      const base = await app.listen({ host: '127.0.0.1', port: 0 });
      const login = async (username: string) => {
        const res = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
        return { cookie: res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), 'x-csrf-token': ((await res.json()) as { csrfToken: string }).csrfToken };
      };
      const g = await login('guard1');
      const v = await login('viewer1');
      const wsUrl = `ws://${new URL(base).host}/api/live`;
      const gws = new WebSocket(wsUrl, { headers: { cookie: g.cookie } });
      const vws = new WebSocket(wsUrl, { headers: { cookie: v.cookie } });
      sockets.push(gws, vws);
      await Promise.all([opened(gws), opened(vws)]);

      let seq = 0;
      const fire = async (type: string, personId: string | null) => {
        const e = { terminal: 'gate-1', seq: ++seq, ts: clock.now(), type, result: null, personId };
        await insertEvent(store.db, e, { zone_id: zone.id, direction: 'in' }, clock.now());
        for (const l of stored) l({ ...e, reason: null, credentialType: null, credentialRef: null, zoneId: zone.id, direction: 'in' });
        await engine.idle();
      };
      const forGuard = nextMessage(gws);
      const forViewer = nextMessage(vws);
      // The fire rule has no pop-up: the first message is the tamper alert.
      await fire('fire.release', null);
      await fire('alarm.tamper', 'p-someone');
      const popup = await forGuard;
      assert.is(popup.type, 'alert');
      assert.equal([popup.alert.ruleId, popup.alert.trigger, popup.alert.severity, popup.alert.terminal, popup.alert.zoneId, popup.alert.personId, popup.alert.state], ['tamper', 'tamper', 'critical', 'gate-1', zone.id, 'p-someone', 'open']);
      assert.is((await forViewer).alert.personId, null, 'viewers: not about whom');
      const id = popup.alert.id as number;

      const post = (path: string, body: unknown, who = g) => fetch(`${base}/api/alerts/${id}/${path}`, { method: 'POST', headers: { ...who, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.is((await post('acknowledge', null, v)).status, 403, 'viewers do not handle alerts');
      assert.is((await post('acknowledge', { note: 'on my way' })).status, 200);
      const again = await post('acknowledge', null);
      assert.is(again.status, 409);
      assert.is(((await again.json()) as { error: { code: string } }).error.code, 'CONFLICT');
      assert.is((await post('notes', { text: 'cover was off' })).status, 200);
      clock.advance(60_000);
      const closed = (await (await post('close', { note: 'cover refitted' })).json()) as Record<string, unknown>;
      assert.equal(
        [closed.state, closed.acknowledgedBy, closed.closedBy, closed.closedAt, (closed.notes as Array<{ text: string; username: string }>).map((n) => `${n.username}: ${n.text}`)],
        ['closed', 'guard1', 'guard1', clock.now(), ['guard1: on my way', 'guard1: cover was off', 'guard1: cover refitted']],
      );
      assert.is((await post('close', null)).status, 409);
      const log = (await (await fetch(`${base}/api/alerts?state=closed`, { headers: g })).json()) as { alerts: Array<{ id: number }> };
      assert.equal(log.alerts.map((a) => a.id), [id]);
      const audit = await store.db.selectFrom('audit').select(['username', 'action', 'subject']).where('action', 'like', 'alert%').orderBy('id').execute();
      assert.equal(
        audit.map((a) => `${a.username} ${a.action} ${a.subject}`),
        [`guard1 alert.acknowledge alert:${id}`, `guard1 alert.note alert:${id}`, `guard1 alert.close alert:${id}`, 'guard1 alerts.search null'],
      );

      // A rule edited over the API applies to the very next event (the engine's cache is dropped).
      const admin = await login('root');
      await fire('fire.release', null); // the engine reads its rules now
      const edited = await fetch(`${base}/api/alert-rules/tamper`, { method: 'PUT', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify(rule({ severity: 'info' })) });
      assert.is(edited.status, 200);
      const next = nextMessage(gws);
      await fire('alarm.tamper', null);
      assert.equal([(await next).alert.ruleVersion, (await next).alert.severity], [2, 'info']);
    } finally {
      for (const s of sockets) s.close();
      engine.stop();
      await app.close();
    }
  });
});
