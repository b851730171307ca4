/**
 * The live WebSocket over a real socket: events a real fleet agent emits arrive
 * through the SDK, the ingest and the server to logged-in staff; no session, a
 * foreign origin and a socket sending garbage are each refused without harm.
 */
import { connect } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import type { LiveMessage } from '../../../tools/site/server/live.js';
import { createStaff, createZone, placeTerminal } from '../../../tools/site/store/index.js';
import { guard } from '../../sdk/helpers/wait.js';
import { login, opened, PASSWORD, startLiveSite } from './helpers/live-site.js';

function refused(url: string, headers: Record<string, string>): Promise<number> {
  return guard(new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('error', () => {}); // terminate() below reports the aborted handshake
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => reject(new Error('opened')));
  }), 'refusal');
}

function nextMessage(ws: WebSocket): Promise<LiveMessage> {
  return guard(new Promise((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)) as LiveMessage))), 'live message');
}

test('live events reach logged-in staff; no session, foreign origins and garbage frames are refused', async () => {
  let zoneId = 0;
  const { store, terminal, base, close } = await startLiveSite({
    dirPrefix: 'limen-site-live-',
    prepare: async (store) => {
      await createStaff(store.db, { username: 'guard', role: 'guard', password: PASSWORD });
      await createStaff(store.db, { username: 'viewer', role: 'viewer', password: PASSWORD });
      zoneId = (await createZone(store.db, { parentId: null, kind: 'community', name: 'Gate' })).id;
      await placeTerminal(store.db, { id: 'gate-1', zoneId, role: 'gate', direction: 'in' });
    },
  });
  const sockets: WebSocket[] = [];
  try {
    const host = new URL(base).host;
    const wsUrl = `ws://${host}/api/live`;
    const cookieOf = async (username: string) => (await login(base, username)).cookie;
    const guardCookie = await cookieOf('guard');

    assert.is(await refused(wsUrl, {}), 401);
    assert.is(await refused(wsUrl, { cookie: guardCookie, origin: 'http://evil.example' }), 403);

    // A raw client that upgrades properly, then sends bytes that are no WebSocket frame.
    const raw = connect({ host: '127.0.0.1', port: Number(new URL(base).port) });
    const rawClosed = new Promise<void>((resolve) => raw.once('close', () => resolve()));
    raw.on('error', () => {});
    let response = '';
    await guard(new Promise<void>((resolve) => {
      raw.on('data', (d) => {
        response += d.toString('latin1');
        if (response.includes('\r\n\r\n')) resolve();
      });
      raw.write(
        [`GET /api/live HTTP/1.1`, `Host: ${host}`, 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', `Cookie: ${guardCookie}`, '', ''].join('\r\n'),
      );
    }), 'raw upgrade');
    assert.match(response, /^HTTP\/1\.1 101/);
    raw.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x01, 0x02, 0x03]));
    await guard(rawClosed, 'the server closing the garbage socket');

    const viewerCookie = await cookieOf('viewer');
    const guardWs = new WebSocket(wsUrl, { headers: { cookie: guardCookie, origin: base } });
    const viewerWs = new WebSocket(wsUrl, { headers: { cookie: viewerCookie } });
    sockets.push(guardWs, viewerWs);
    await Promise.all([opened(guardWs), opened(viewerWs)]);
    const forGuard = nextMessage(guardWs);
    const forViewer = nextMessage(viewerWs);
    terminal.events.append({ type: 'access.granted', result: 'granted', personId: 'ann' });
    const seen = await forGuard;
    assert.equal(seen, {
      type: 'event',
      event: { terminal: 'gate-1', seq: 1, ts: seen.event.ts, type: 'access.granted', result: 'granted', reason: null, personId: 'ann', credentialType: null, credentialRef: null, zoneId, direction: 'in' },
    });
    assert.is((await forViewer).event.personId, null, 'viewers see the flow, not who');
    const audit = await store.db.selectFrom('audit').select(['username', 'action']).where('action', '=', 'live.open').execute();
    assert.equal(audit.map((a) => a.username).sort(), ['guard', 'guard', 'viewer'], 'each socket opened by staff is audited');
  } finally {
    for (const s of sockets) s.terminate();
    await close();
  }
});

test.run();
