// The console server over a real broker and fleet agents (memory galleries): its HTTP
// API validates input, fans persons out to the terminals and unlocks through the SDK.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { startConsole, type ConsoleMessage } from '../../../tools/console/index.js';
import { startAedes } from '../../sdk/helpers/brokers.js';
import { startTerminal } from '../../sdk/helpers/terminal.js';

async function setup() {
  const broker = await startAedes();
  const gate = startTerminal(broker, { site: 'maple', id: 'gate-1', groups: ['gate'] });
  const door = startTerminal(broker, { site: 'maple', id: 'door-1', groups: ['building-3'] });
  const console_ = await startConsole({ brokerUrl: broker.url, site: 'maple' });
  const online = () => console_.fleet.terminals().filter((t) => t.online).length === 2;
  while (!online()) await new Promise<void>((r) => console_.fleet.onPresence(() => r()));
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(console_.url + path.slice(1), { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  return {
    gate,
    door,
    console: console_,
    call,
    close: async () => {
      await console_.close();
      await gate.agent.stop();
      await door.agent.stop();
      await broker.close();
    },
  };
}

test('terminals are listed with their zone; the page and its bundle are served', async () => {
  const s = await setup();
  const { body } = await s.call('GET', '/api/terminals');
  const zones = Object.fromEntries((body as unknown as Array<{ id: string; zone: string; online: boolean }>).map((t) => [t.id, t.zone]));
  assert.equal(zones, { 'gate-1': 'gate', 'door-1': 'building-3' });
  assert.match(await (await fetch(s.console.url)).text(), /app\.js/);
  const js = await (await fetch(s.console.url + 'app.js')).text();
  assert.ok(js.length > 10_000, 'bundled app');
  await s.close();
});

test('persons: bad input is refused with a code; a valid person reaches every terminal; removal too', async () => {
  const s = await setup();
  assert.equal((await s.call('POST', '/api/persons', '{nope')).body.error.code, 'BAD_JSON');
  const noName = await s.call('POST', '/api/persons', { cards: ['1'] });
  assert.is(noName.status, 400);
  assert.is(noName.body.error.message, 'Enter a name.');
  const badCard = await s.call('POST', '/api/persons', { name: 'X', cards: ['12ab'] });
  assert.is(badCard.body.error.code, 'BAD_REQUEST');
  const noConsent = await s.call('POST', '/api/persons', { name: 'X', photo: { mime: 'image/jpeg', data: 'AAAA' } });
  assert.match(noConsent.body.error.message, /consent box/);
  assert.is((await s.call('POST', '/api/persons', { name: 'X', extra: 1 })).status, 400);

  const ws = new WebSocket(s.console.url.replace('http', 'ws') + 'ws');
  const snapshot = await new Promise<ConsoleMessage>((r) => ws.once('message', (d) => r(JSON.parse(String(d)))));
  assert.is(snapshot.type, 'snapshot');
  const ok = await s.call('POST', '/api/persons', { id: 'bob', name: 'Bob', cards: ['555'], groups: ['residents'] });
  assert.is(ok.status, 200);
  assert.equal(ok.body.results.map((r: { ok: boolean }) => r.ok), [true, true]);
  for (const t of [s.gate, s.door]) assert.equal(t.gallery.persons.get('bob')?.credentials, [{ type: 'card', value: '555' }]);
  const persons = (await s.call('GET', '/api/persons')).body as unknown as Array<{ id: string; cards: string[] }>;
  assert.equal(persons.map((p) => [p.id, p.cards]), [['bob', ['555']]]);
  const removed = await s.call('DELETE', '/api/persons/bob');
  assert.equal(removed.body.results.map((r: { ok: boolean }) => r.ok), [true, true]);
  assert.equal((await s.call('GET', '/api/persons')).body, []);
  assert.not.ok(s.gate.gallery.persons.has('bob'));
  ws.close();
  await s.close();
});

test('remote unlock goes to the named terminal; unknown terminals and bad durations are refused', async () => {
  const s = await setup();
  const r = await s.call('POST', '/api/terminals/door-1/unlock', { durationMs: 3000 });
  assert.is(r.status, 200);
  assert.equal(s.door.unlocks, [{ durationMs: 3000 }]);
  assert.equal(s.gate.unlocks, []);
  assert.is((await s.call('POST', '/api/terminals/nope/unlock', {})).body.error.code, 'NOT_FOUND');
  assert.is((await s.call('POST', '/api/terminals/door-1/unlock', { durationMs: 5 })).body.error.code, 'BAD_REQUEST');
  assert.is((await s.call('GET', '/api/nothing')).status, 404);
  await s.close();
});

test.run();
