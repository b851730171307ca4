// The kiosk server without a browser: a WebSocket client sees what the page sees.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { defaultConfig } from '../../../firmware/config/index.js';
import { KioskServer, type KioskMessage } from '../../../firmware/kiosk/index.js';
import { silentLogger } from '../../../firmware/log.js';
import { Terminal } from '../../../firmware/terminal.js';

async function setup(language: 'en' | 'zh-CN' = 'en') {
  const config = defaultConfig('gate-1', { store: { path: ':memory:' }, terminal: { id: 'gate-1', name: 'North gate', site: 'maple', language } });
  const terminal = await Terminal.open({ config, feedbackMs: 60_000 });
  const repo = terminal.access.repository;
  repo.addGroup({ id: 'residents', name: 'Residents', scheduleId: null });
  repo.addPerson({ id: 'bob', name: 'Bob', groupIds: ['residents'] });
  repo.addPin('bob', '2468');
  const kiosk = await KioskServer.start({ terminal, logger: silentLogger(), visitorUrl: 'https://example.org/visit/gate-1' });
  const ws = new WebSocket(kiosk.url.replace('http', 'ws') + 'ws');
  const inbox: KioskMessage[] = [];
  const waiters: Array<{ match: (m: KioskMessage) => boolean; resolve: (m: KioskMessage) => void }> = [];
  ws.on('message', (data, binary) => {
    if (binary) return;
    const m = JSON.parse(String(data)) as KioskMessage;
    const w = waiters.find((x) => x.match(m));
    if (!w) inbox.push(m);
    else {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    }
  });
  const next = <T extends KioskMessage['type']>(type: T, match: (m: Extract<KioskMessage, { type: T }>) => boolean = () => true) =>
    new Promise<Extract<KioskMessage, { type: T }>>((resolve) => {
      const seen = inbox.find((m) => m.type === type && match(m as never));
      if (seen) {
        inbox.splice(inbox.indexOf(seen), 1);
        resolve(seen as never);
        return;
      }
      waiters.push({ match: (m) => m.type === type && match(m as never), resolve: resolve as never });
    });
  await new Promise((r) => ws.once('open', r));
  const close = async () => {
    ws.close();
    await kiosk.close();
    await terminal.close();
  };
  return { terminal, kiosk, ws, next, close };
}

test('hello carries the language table, the site and the visitor QR; idle shows the terminal name', async () => {
  const t = await setup('zh-CN');
  const hello = await t.next('hello');
  assert.is(hello.language, 'zh-CN');
  assert.is(hello.strings.granted, '验证通过');
  assert.is(hello.site, 'maple');
  // Face recognition is off here: no webcam is offered and the idle prompt names no camera.
  assert.is(hello.webcam, false, 'no webcam without face recognition');
  assert.is(hello.strings.idlePrompt, '请刷卡或输入密码');
  assert.match(hello.visitorQr ?? '', /^<svg/);
  const view = await t.next('view');
  assert.equal(view.view, { screen: 'idle', title: 'North gate' });
  const res = await fetch(t.kiosk.url);
  assert.match(await res.text(), /<canvas id="preview"/);
  assert.is((await fetch(t.kiosk.url + 'nope')).status, 404);
  await t.close();
});

test('a PIN from the pad is decided by the terminal: right PIN granted, wrong one denied, both translated', async () => {
  const t = await setup('zh-CN');
  await t.next('view');
  t.ws.send(JSON.stringify({ op: 'pin', value: '2468' }));
  const granted = await t.next('view', (m) => m.view.screen === 'granted');
  assert.equal(granted.view, { screen: 'granted', title: 'Bob', detail: '验证通过' });
  assert.ok(t.terminal.door.state.relayActive, 'door unlocked');
  t.ws.send(JSON.stringify({ op: 'pin', value: '1111' }));
  const denied = await t.next('view', (m) => m.view.screen === 'denied');
  assert.is(denied.view.detail, '未登记的卡');
  const events = t.terminal.store.events.query({ order: 'asc' }).filter((e) => e.credentialType === 'pin');
  assert.equal(events.map((e) => e.result), ['granted', 'denied']);
  await t.close();
});

test('bad input gets coded errors and the connection stays usable', async () => {
  const t = await setup();
  await t.next('view');
  t.ws.send('not json');
  assert.is((await t.next('error')).code, 'BAD_JSON');
  t.ws.send(JSON.stringify({ op: 'pin', value: '12ab' }));
  assert.is((await t.next('error')).code, 'BAD_COMMAND');
  t.ws.send(JSON.stringify({ op: 'unlock' }));
  assert.is((await t.next('error')).code, 'BAD_COMMAND');
  t.ws.send(Buffer.from('not a jpeg at all'));
  assert.is((await t.next('error')).code, 'BAD_FRAME');
  t.ws.send(JSON.stringify({ op: 'pin', value: '2468' }));
  assert.is((await t.next('view', (m) => m.view.screen === 'granted')).view.title, 'Bob');
  await t.close();
});

test('a fire alarm pops up an alert; door alarms are pushed', async () => {
  const t = await setup();
  await t.next('view');
  t.terminal.board.sim.fireInput!.setRaw(true);
  const alert = await t.next('view', (m) => m.view.screen === 'alert');
  assert.equal(alert.view, { screen: 'alert', title: 'Fire alarm', detail: 'Door released' });
  t.terminal.board.sim.fireInput!.setRaw(false);
  await t.next('view', (m) => m.view.screen === 'idle');
  await t.close();
});

test.run();
