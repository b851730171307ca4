/**
 * Alerts end to end in `limen site` (runSite with a fleet) on a real broker (Mosquitto
 * when installed, else aedes): a fleet agent's events travel through the SDK and the
 * ingest; a watched person's grant and a tailgating alarm each pop up on /api/live as an
 * `alert` and reach a real HTTP receiver signed; an unlisted person raises nothing. The
 * terminal's list match that follows the grant brings the snapshot as an `alert-update`.
 */
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { verifyWebhook, WEBHOOK_HEADERS } from '../../../tools/site/alerts/webhooks.js';
import type { RunningSite } from '../../../tools/site/cli.js';
import {
  addListMember,
  createPerson,
  createStaff,
  createWebhookEndpoint,
  createZone,
  placeTerminal,
  putAlertList,
  putAlertRule,
  type RuleDefinition,
} from '../../../tools/site/store/index.js';
import { hasMosquitto, startAedes, startMosquitto } from '../../sdk/helpers/brokers.js';
import { startTerminal, type TestTerminal } from '../../sdk/helpers/terminal.js';
import { guard } from '../../sdk/helpers/wait.js';
import { seenOnline } from '../../firmware/fleet/helpers/whole-terminals.js';
import { rule as anyRule } from './helpers/alert-scenarios.js';
import { runFleetSite } from './helpers/fleet-site.js';

const PASSWORD = 'a long enough password';

/** A rule of the shared kind that also calls the 'ops' webhook. */
const rule = (over: Partial<RuleDefinition>): RuleDefinition => anyRule({ actions: { popup: true, webhooks: ['ops'], mqtt: false }, ...over });

test('a watched person and a tailgating alarm from a fleet agent pop up on /api/live and reach a signed webhook; an unlisted person does not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-site-alerts-'));
  const broker = hasMosquitto() ? await startMosquitto() : await startAedes();
  const hooks: Array<{ body: string; timestamp: string; signature: string }> = [];
  const hookArrived: Array<() => void> = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hooks.push({ body: Buffer.concat(chunks).toString('utf8'), timestamp: String(req.headers[WEBHOOK_HEADERS.timestamp]), signature: String(req.headers[WEBHOOK_HEADERS.signature]) });
      res.statusCode = 204;
      res.end();
      hookArrived.shift()?.();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  let secret = '';
  let site: RunningSite | undefined;
  let terminal: TestTerminal | undefined;
  let ws: WebSocket | undefined;
  try {
    site = await runFleetSite(dir, broker.url, async (store, key) => {
      await createStaff(store.db, { username: 'guard1', role: 'guard', password: PASSWORD });
      const zone = await createZone(store.db, { parentId: null, kind: 'community', name: 'Gate' });
      await placeTerminal(store.db, { id: 'gate-1', zoneId: zone.id, role: 'gate', direction: 'in' });
      await createPerson(store.db, key, { id: 'p-ann', name: 'Ann' });
      await createPerson(store.db, key, { id: 'p-bob', name: 'Bob' });
      await putAlertList(store.db, { id: 'watch', name: 'Watch', purpose: 'watch', zones: [] });
      await addListMember(store.db, 'watch', 'p-ann');
      secret = (await createWebhookEndpoint(store.db, 'ops', `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`, Date.now())).secret;
      await putAlertRule(store.db, 'watched', rule({ lists: ['watch'] }), null);
      await putAlertRule(store.db, 'tailgate', rule({ trigger: 'tailgating', severity: 'critical' }), null);
    });
    const fleet = site.fleet!;
    const online = guard(seenOnline(fleet, 'gate-1'), 'gate-1 online');
    terminal = startTerminal(broker, { site: 'hq', id: 'gate-1' });
    await online;
    await fleet.whenConsuming();

    const login = await fetch(`${site.url}api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'guard1', password: PASSWORD }) });
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    ws = new WebSocket(`${site.url.replace('http', 'ws')}api/live`, { headers: { cookie } });
    const socket = ws;
    await guard(new Promise<void>((resolve, reject) => (socket.once('open', () => resolve()), socket.once('error', reject))), 'socket open');
    const messages: Array<{ type: string; alert?: Record<string, unknown>; event?: Record<string, unknown> }> = [];
    const waiters: Array<{ until: () => boolean; resolve: () => void }> = [];
    socket.on('message', (d) => {
      messages.push(JSON.parse(String(d)));
      for (const w of waiters.splice(0)) if (w.until()) w.resolve();
      else waiters.push(w);
    });
    const waitFor = (what: string, until: () => boolean) => guard(new Promise<void>((resolve) => (until() ? resolve() : waiters.push({ until, resolve }))), what);
    const alerts = () => messages.filter((m) => m.type === 'alert').map((m) => m.alert!);

    // Bob first: his event arrives, no alert follows it; then Ann's grant raises one.
    const twoHooks = new Promise<void>((resolve) => hookArrived.push(() => {}, resolve));
    terminal.events.append({ type: 'access.granted', result: 'granted', personId: 'p-bob' });
    terminal.events.append({ type: 'access.granted', result: 'granted', personId: 'p-ann', data: { score: 0.93, liveness: 0.9 } });
    await waitFor('watched alert', () => alerts().length === 1);
    terminal.events.append({ type: 'alarm.tailgating', data: { count: 2, grants: 1, grantSeq: 2, snapshotIds: ['snap-7'] } });
    await waitFor('tailgating alert', () => alerts().length === 2);
    assert.equal(
      alerts().map((a) => [a.ruleId, a.trigger, a.terminal, a.personId, a.score, a.snapshot, (a.event as { seq: number }).seq]),
      [
        ['watched', 'appears', 'gate-1', 'p-ann', 0.93, null, 2],
        ['tailgate', 'tailgating', 'gate-1', null, null, 'snap-7', 3],
      ],
    );
    assert.ok(messages.some((m) => m.type === 'event' && m.event!.personId === 'p-bob'), "Bob's event went by without an alert");

    // The terminal's list match of Ann's face (naming her grant, seq 2) brings the snapshot to the open pop-up.
    terminal.events.append({ type: 'alert.list-match', personId: 'p-ann', credentialType: 'face', data: { lists: [{ id: 'watch', purpose: 'watch' }], score: 0.93, liveness: 0.9, eventSeq: 2, snapshotId: 'snap-ann' } });
    await waitFor('alert update', () => messages.some((m) => m.type === 'alert-update'));
    const updates = messages.filter((m) => m.type === 'alert-update').map((m) => m.alert!);
    assert.equal(updates.map((a) => [a.id, a.ruleId, a.snapshot, a.score]), [[alerts()[0]!.id, 'watched', 'snap-ann', 0.93]], "the snapshot reaches Ann's alert");
    assert.is(alerts().length, 2, 'the list match joined the alert, no new one');

    await guard(twoHooks, 'two webhook deliveries');
    assert.equal(hooks.map((h) => JSON.parse(h.body).alert.ruleId).sort(), ['tailgate', 'watched']);
    for (const h of hooks) assert.ok(verifyWebhook(secret, h, h.body, Date.now()), 'signed with the endpoint secret');
  } finally {
    ws?.terminate();
    await site?.stop();
    await terminal?.agent.stop();
    await broker.close();
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
