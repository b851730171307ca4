/**
 * A live socket lives no longer than its session, over real sockets: logging out
 * closes that session's sockets (and only those); a socket whose session expired
 * gets no further event and is closed. Events come from a real fleet agent through
 * aedes, the SDK and the ingest.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { SESSION_ENDED, type LiveMessage } from '../../../tools/site/server/live.js';
import { createStaff, SESSION_TTL_MS } from '../../../tools/site/store/index.js';
import type { TestTerminal } from '../../sdk/helpers/terminal.js';
import { guard } from '../../sdk/helpers/wait.js';
import { login, opened, PASSWORD, startLiveSite } from './helpers/live-site.js';

interface Client {
  ws: WebSocket;
  messages: LiveMessage[];
  closed: Promise<number>;
}

async function rig(now: () => number) {
  const site = await startLiveSite({
    dirPrefix: 'limen-site-live-session-',
    now,
    prepare: async (store) => void (await createStaff(store.db, { username: 'guard', role: 'guard', password: PASSWORD })),
  });
  const { base } = site;
  const clients: WebSocket[] = [];
  return {
    base,
    terminal: site.terminal,
    /** A login: its cookie and CSRF token. */
    login: () => login(base, 'guard'),
    async open(cookie: string): Promise<Client> {
      const ws = new WebSocket(`ws://${new URL(base).host}/api/live`, { headers: { cookie } });
      clients.push(ws);
      const messages: LiveMessage[] = [];
      ws.on('message', (d) => messages.push(JSON.parse(String(d)) as LiveMessage));
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      await opened(ws);
      return { ws, messages, closed };
    },
    async close() {
      for (const ws of clients) ws.terminate();
      await site.close();
    },
  };
}

/** Appends an event at the terminal and waits until `c` got it. */
async function delivered(terminal: TestTerminal, c: Client): Promise<LiveMessage> {
  const next = new Promise<LiveMessage>((resolve) => c.ws.once('message', (d) => resolve(JSON.parse(String(d)) as LiveMessage)));
  terminal.events.append({ type: 'access.granted', result: 'granted', personId: 'ann' });
  return guard(next, 'live event');
}

test('logging out closes the live sockets of that session, and only those', async () => {
  const r = await rig(Date.now);
  try {
    const a = await r.login();
    const b = await r.login();
    const a1 = await r.open(a.cookie);
    const a2 = await r.open(a.cookie);
    const b1 = await r.open(b.cookie);
    const out = await fetch(`${r.base}/api/logout`, { method: 'POST', headers: { cookie: a.cookie, 'x-csrf-token': a.csrfToken } });
    assert.is(out.status, 204);
    assert.equal(await guard(Promise.all([a1.closed, a2.closed]), 'the logged-out sockets closing'), [SESSION_ENDED, SESSION_ENDED]);
    assert.is(b1.ws.readyState, WebSocket.OPEN, 'another session of the same staff member stays');
    const seen = await delivered(r.terminal, b1);
    assert.is(seen.event.seq, 1);
    assert.equal([a1.messages, a2.messages], [[], []]);
  } finally {
    await r.close();
  }
});

test('a socket whose session expired gets no further event and is closed', async () => {
  let now = 1_800_000_000_000;
  const r = await rig(() => now);
  try {
    const { cookie } = await r.login();
    const c = await r.open(cookie);
    assert.is((await delivered(r.terminal, c)).event.seq, 1);
    now += SESSION_TTL_MS; // the session's last moment has passed
    r.terminal.events.append({ type: 'access.granted', result: 'granted', personId: 'bob' });
    assert.is(await guard(c.closed, 'the expired socket closing'), SESSION_ENDED);
    assert.equal(c.messages.map((m) => m.event.seq), [1]);
  } finally {
    await r.close();
  }
});

test.run();
