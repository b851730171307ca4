import { once } from 'node:events';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { z } from 'zod';
import { failure, PageServer, parseCommand, sendHtml } from '../../firmware/page-server.js';

const Command = z.object({ op: z.literal('ping'), n: z.number() });

test('parseCommand: the command, or BAD_JSON / BAD_COMMAND', () => {
  assert.equal(parseCommand(Buffer.from('{"op":"ping","n":2}'), Command), { command: { op: 'ping', n: 2 } });
  assert.equal(parseCommand(Buffer.from('{nope'), Command), { error: { type: 'error', code: 'BAD_JSON', message: 'message is not JSON' } });
  const bad = parseCommand(Buffer.from('{"op":"ping","n":"x"}'), Command);
  assert.ok('error' in bad && bad.error.code === 'BAD_COMMAND' && bad.error.message.length > 0);
});

test('failure: the error code, or FAILED', () => {
  assert.equal(failure(Object.assign(new Error('no'), { code: 'OFFLINE' })), { type: 'error', code: 'OFFLINE', message: 'no' });
  assert.equal(failure(new Error('boom')), { type: 'error', code: 'FAILED', message: 'boom' });
});

test('serves pages, 404s the rest, broadcasts to sockets, closes them', async () => {
  const server: PageServer<{ type: 'hi'; n: number }> = new PageServer({
    maxPayload: 1024,
    routes: { '/': (_req, res) => sendHtml(res, '<p>page</p>') },
    onConnection: (ws) => server.send(ws, { type: 'hi', n: 0 }),
  });
  const url = await server.listen();
  const page = await fetch(url);
  assert.is(page.headers.get('cache-control'), 'no-store');
  assert.is(await page.text(), '<p>page</p>');
  assert.is((await fetch(`${url}missing`)).status, 404);
  assert.is((await fetch(`${url}?a=1`)).status, 200, 'a query string does not hide the route');
  assert.is((await fetch(url, { method: 'POST', body: 'x' })).status, 404, 'GET routes only');
  const ws = new WebSocket(`${url.replace('http', 'ws')}ws`);
  const [first] = await once(ws, 'message');
  assert.equal(JSON.parse(String(first)), { type: 'hi', n: 0 });
  server.broadcast({ type: 'hi', n: 1 });
  const [second] = await once(ws, 'message');
  assert.equal(JSON.parse(String(second)), { type: 'hi', n: 1 });
  const closed = once(ws, 'close');
  await server.close();
  await closed;
});

test.run();
