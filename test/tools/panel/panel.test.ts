import { once } from 'node:events';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { defaultConfig } from '../../../firmware/config/index.js';
import { silentLogger } from '../../../firmware/log.js';
import type { PanelMessage } from '../../../tools/panel/protocol.js';
import { PanelServer } from '../../../tools/panel/server.js';
import { simPanelTarget } from '../../../tools/panel/sim-target.js';
import { Terminal } from '../../../firmware/terminal.js';

async function setup() {
  const terminal = await Terminal.open({ config: defaultConfig('panel-1', { store: { path: ':memory:' } }) });
  const repo = terminal.access.repository;
  repo.addPerson({ id: 'bob', name: 'Bob', groupIds: [repo.addGroup({ name: 'all', scheduleId: null }).id] });
  repo.addCard('bob', '777');
  const panel = await PanelServer.start({ target: simPanelTarget(terminal), port: 0, logger: silentLogger() });
  const ws = new WebSocket(`${panel.url.replace('http', 'ws')}ws`);
  const messages: PanelMessage[] = [];
  const waiters: Array<{ match: (m: PanelMessage) => boolean; resolve: (m: PanelMessage) => void }> = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as PanelMessage;
    const waiter = waiters.find((w) => w.match(msg));
    if (waiter) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(msg);
    } else messages.push(msg);
  });
  const next = (match: (m: PanelMessage) => boolean) =>
    new Promise<PanelMessage>((resolve) => {
      const seen = messages.find(match);
      if (seen) {
        messages.splice(messages.indexOf(seen), 1);
        resolve(seen);
      } else waiters.push({ match, resolve });
    });
  await once(ws, 'open');
  return {
    terminal,
    panel,
    ws,
    next,
    async close() {
      ws.close();
      await panel.close();
      await terminal.close();
    },
  };
}

/** Runs a test body against a fresh terminal + panel, closing both whatever happens. */
function withPanel(name: string, body: (s: Awaited<ReturnType<typeof setup>>) => Promise<void>) {
  test(name, async () => {
    const s = await setup();
    try {
      await body(s);
    } finally {
      await s.close();
    }
  });
}

withPanel('the page is served and the API reports the door state', async (s) => {
  const page = await fetch(s.panel.url);
  assert.is(page.status, 200);
  assert.match(await page.text(), /Limen sim board/);
  const api = (await (await fetch(`${s.panel.url}api/state`)).json()) as { state: { locked: boolean; terminalId: string } };
  assert.is(api.state.terminalId, 'panel-1');
  assert.ok(api.state.locked);
});

withPanel('presenting a card from the panel unlocks the door and streams the event', async (s) => {
  s.ws.send(JSON.stringify({ op: 'card', value: '777' }));
  const msg = await s.next((m) => m.type === 'event' && m.event.type === 'access.granted');
  assert.is(msg.type === 'event' && msg.event.personName, 'Bob');
  const state = await s.next((m) => m.type === 'state' && m.state.relayActive);
  assert.ok(state.type === 'state' && !state.state.locked);
});

withPanel('bad commands get coded errors and the terminal keeps serving', async (s) => {
  s.ws.send('{not json');
  assert.is(((await s.next((m) => m.type === 'error')) as { code: string }).code, 'BAD_JSON');
  s.ws.send(JSON.stringify({ op: 'launch-missiles' }));
  assert.is(((await s.next((m) => m.type === 'error')) as { code: string }).code, 'BAD_COMMAND');
  s.ws.send(JSON.stringify({ op: 'card', value: 'not-a-number' }));
  assert.is(((await s.next((m) => m.type === 'error')) as { code: string }).code, 'BAD_FRAME');
  s.ws.send(JSON.stringify({ op: 'door', open: true }));
  await s.next((m) => m.type === 'event' && m.event.type === 'alarm.forced-open');
});

test.run();
