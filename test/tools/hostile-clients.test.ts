// `limen sim` (what `npm start` runs) against clients that send anything: every server
// it runs (the site server and its live socket, kiosk pages, control panels, the plate push receiver, MQTT broker) gets garbage bytes,
// malformed and oversized WebSocket frames and cut-off requests. Each bad socket is
// closed with the right answer, and afterwards the process is still up and every
// server still serves a normal client.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { KIOSK_MAX_MESSAGE_BYTES } from '../../firmware/kiosk/server.js';
import { PANEL_MAX_MESSAGE_BYTES } from '../../tools/panel/server.js';
import { login } from './site/console/login.js';
import { DEFAULT_PLATE_PUSH_MAX_BYTES } from '../../hal/plate/index.js';
import { attackHttpServer, attackMqttBroker, attackWebServer, type AttackResult } from './hostile-clients.js';
import { readFileSync } from 'node:fs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'limen-hostile-'));
let sim: ChildProcess | undefined;
let stderr = '';

/** Starts `limen sim` and reads the URLs it prints. */
async function startSim(): Promise<Map<string, string>> {
  sim = spawn(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), 'sim', '--no-face', '--dir', dir, '--mqtt-port', '0'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  sim.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const urls = new Map<string, string>();
  for await (const line of createInterface({ input: sim.stdout! })) {
    const m = /^(.+?)(?: \(.*\))?: ((?:http|mqtt):\/\/\S+)$/.exec(line);
    if (m) urls.set(m[1]!, m[2]!);
    const site = /^Site login: (\S+) \/ (\S+)/.exec(line);
    if (site) urls.set('Site login', `${site[1]} ${site[2]}`);
    if (line.startsWith('Try:')) return urls;
  }
  throw new Error(`limen sim exited before printing its URLs: ${stderr}`);
}

/** A normal page client: the page answers 200 and its socket sends the first message. */
async function servesPage(pageUrl: string, wsUrl: string, firstType: string): Promise<void> {
  const page = await fetch(pageUrl);
  assert.is(page.status, 200, pageUrl);
  await page.text();
  const ws = new WebSocket(wsUrl);
  const [data] = await once(ws, 'message');
  assert.is((JSON.parse(String(data)) as { type: string }).type, firstType, wsUrl);
  ws.close();
  await once(ws, 'close');
}

/** The site's WebSocket message limit (its @fastify/websocket maxPayload). */
const SITE_LIVE_MAX_MESSAGE_BYTES = 4096;

/** A normal site client: the console page, the API for the session, the live socket opens. */
async function servesSite(siteUrl: string, session: { cookie: string }): Promise<void> {
  const page = await fetch(siteUrl);
  assert.is(page.status, 200, siteUrl);
  await page.text();
  const me = await fetch(`${siteUrl}api/me`, { headers: { cookie: session.cookie } });
  assert.is(me.status, 200);
  await me.text();
  const ws = new WebSocket(`${siteUrl.replace('http', 'ws')}api/live`, { headers: { cookie: session.cookie } });
  await once(ws, 'open');
  ws.close();
  await once(ws, 'close');
}

/** `own`: answers a server gives in its own (equally closing) words. */
const expected = (r: AttackResult[], max: number, own: Record<string, string> = {}) => {
  const answers = Object.fromEntries(r.map((x) => [x.name, x.answer]));
  assert.equal(answers, {
    'random bytes instead of HTTP': 'HTTP/1.1 400 Bad Request',
    'a malformed request line': 'HTTP/1.1 400 Bad Request',
    'a header block that never ends (16 KiB+)': 'HTTP/1.1 400 Bad Request',
    'a POST cut off mid-body': 'closed by the client',
    'an upgrade without a key': 'HTTP/1.1 400 Bad Request',
    'an upgrade on another path': 'HTTP/1.1 400 Bad Request',
    'an unmasked frame': 'close 1002',
    'a reserved opcode': 'close 1002',
    'reserved bits set': 'close 1002',
    'invalid UTF-8 in a text frame': 'close 1007',
    'a fragmented ping': 'close 1002',
    'a continuation with nothing to continue': 'close 1002',
    'a header claiming 2^53 bytes': 'close 1009',
    'a frame one byte over the limit': 'close 1009',
    'a message over the limit in fragments': 'close 1009',
    'a frame cut off half way': 'closed by the client',
    'an oversized message from a real client (ws)': 'close 1009',
    ...own,
  }, `limit ${max}`);
};

test('every server of limen sim survives hostile clients and still serves a normal one', async () => {
  const urls = await startSim();
  const siteUrl = urls.get('Site')!;
  const brokerUrl = urls.get('MQTT broker')!;
  // The site's live socket is for logged-in staff: the attacks come with a session.
  const [username, password] = urls.get('Site login')!.split(' ');
  const session = await login(siteUrl, username!, password!);
  const kiosks = [...urls].filter(([k]) => k.startsWith('Terminal ')).map(([, v]) => v.replace(/sim$/, ''));
  const panels = [...urls].filter(([k]) => k.startsWith('Control panel ')).map(([, v]) => v);
  assert.ok(siteUrl && brokerUrl);
  assert.is(kiosks.length, 2);
  assert.is(panels.length, 2);
  const plateCameras = [...urls].filter(([k]) => k.startsWith('Plate camera ')).map(([, v]) => v);
  assert.is(plateCameras.length, 1);

  expected(await attackWebServer(siteUrl, { maxPayload: SITE_LIVE_MAX_MESSAGE_BYTES, path: '/api/live', headers: { cookie: session.cookie } }), SITE_LIVE_MAX_MESSAGE_BYTES, {
    // Fastify names these more precisely than the kiosk's and panel's plain Node servers.
    'a header block that never ends (16 KiB+)': 'HTTP/1.1 431 Request Header Fields Too Large',
    'an upgrade on another path': 'HTTP/1.1 404 Not Found',
  });
  for (const k of kiosks) expected(await attackWebServer(k, { maxPayload: KIOSK_MAX_MESSAGE_BYTES }), KIOSK_MAX_MESSAGE_BYTES);
  for (const p of panels) expected(await attackWebServer(p, { maxPayload: PANEL_MAX_MESSAGE_BYTES }), PANEL_MAX_MESSAGE_BYTES);
  for (const p of plateCameras) {
    const answers = Object.fromEntries((await attackHttpServer(p, { path: new URL(p).pathname, maxBody: DEFAULT_PLATE_PUSH_MAX_BYTES })).map((x) => [x.name, x.answer]));
    assert.equal(answers, {
      'random bytes instead of HTTP': 'HTTP/1.1 400 Bad Request',
      'a malformed request line': 'HTTP/1.1 400 Bad Request',
      'a header block that never ends (16 KiB+)': 'HTTP/1.1 400 Bad Request',
      'a POST cut off mid-body': 'closed by the client',
      'a chunked body over the limit that never ends': 'HTTP/1.1 413 Payload Too Large',
      'a content-length over the limit, never sent': 'HTTP/1.1 413 Payload Too Large',
    });
  }
  const broker = await attackMqttBroker(brokerUrl);
  assert.ok(broker.length >= 3);

  assert.is(sim!.exitCode, null, `limen sim died: ${stderr}`);
  await servesSite(siteUrl, session);
  for (const k of kiosks) await servesPage(k, `${k.replace('http', 'ws')}ws`, 'hello');
  for (const p of panels) await servesPage(p, `${p.replace('http', 'ws')}ws`, 'state');
  // The plate push receiver still takes a camera's ANPR event.
  const anpr = readFileSync(new URL('../fixtures/isapi/anpr.xml', import.meta.url));
  for (const p of plateCameras) assert.is((await fetch(p, { method: 'POST', body: anpr, headers: { 'content-type': 'application/xml' } })).status, 200);
  // The broker still relays: a message published reaches a subscriber.
  const client = await mqtt.connectAsync(brokerUrl, { reconnectPeriod: 0 });
  await client.subscribeAsync('probe/#');
  const got = new Promise<[string, Buffer]>((resolve) => client.once('message', (t, p) => resolve([t, p])));
  await client.publishAsync('probe/1', 'hello');
  const [topic, payload] = await got;
  assert.equal([topic, String(payload)], ['probe/1', 'hello']);
  await client.endAsync();
  assert.is(sim!.exitCode, null, `limen sim died: ${stderr}`);
  assert.not.match(stderr, /Unhandled 'error' event|\n\s+at /);
});

test.after(async () => {
  if (sim && sim.exitCode === null) {
    sim.kill('SIGTERM');
    await once(sim, 'exit');
  }
  rmSync(dir, { recursive: true, force: true });
});
test.run();
