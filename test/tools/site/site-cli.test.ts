/**
 * `limen site` through the real CLI, as the README's Limen Site section runs it: the
 * first admin from stdin, the server started on a free port printing its URL, logging
 * in over HTTP, an event from a fleet agent on a real broker stored and found, SIGTERM
 * closing it with exit 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startAedes } from '../../sdk/helpers/brokers.js';
import { startTerminal } from '../../sdk/helpers/terminal.js';
import { guard } from '../../sdk/helpers/wait.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'limen-site-cli-'));
const db = join(dir, 'site.db');
const PASSWORD = 'correct horse battery staple';

function limen(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), ...args], { cwd: root, encoding: 'utf8', ...(input !== undefined && { input }) });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

test('site admin create: the password from stdin or a file; errors are one line, exit 1', () => {
  const made = limen(['site', 'admin', 'create', '--username', 'root', '--database', db], `${PASSWORD}\n`);
  assert.is(made.code, 0, made.err);
  assert.is(made.out, `created admin root in sqlite:${db}`);
  const pwFile = join(dir, 'pw');
  writeFileSync(pwFile, 'guard password 123\n');
  assert.is(limen(['site', 'admin', 'create', '--username', 'gate-guard', '--role', 'guard', '--password-file', pwFile, '--database', db]).out, `created guard gate-guard in sqlite:${db}`);
  const again = limen(['site', 'admin', 'create', '--username', 'root', '--database', db], `${PASSWORD}\n`);
  assert.equal([again.code, again.err], [1, 'limen: staff root exists']);
  const short = limen(['site', 'admin', 'create', '--username', 'x2', '--database', db], 'short\n');
  assert.equal([short.code, short.err], [1, 'limen: password: at least 10 characters']);
  const badDb = limen(['site', 'admin', 'create', '--username', 'x3', '--database', 'mysql://db/x'], `${PASSWORD}\n`);
  assert.equal([badDb.code, badDb.err], [1, 'limen: --database: use a file path, sqlite:PATH or postgres://..., not mysql://db/x']);
});

test('limen site prints its URL, serves the API, ingests fleet events, exits 0 on SIGTERM', async () => {
  const broker = await startAedes();
  const terminal = startTerminal(broker, { site: 'demo', id: 'gate-1' });
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), 'site', '--database', db, '--port', '0', '--fleet', broker.url, '--site', 'demo'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const url = await guard(
      new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          out += d;
          const m = /^Limen site: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out);
          if (m && out.includes('API: ')) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
      }),
      'the site URL',
    );
    assert.match(out, new RegExp(`^Database: sqlite:${db}$`, 'm'));
    assert.match(out, /^Fleet: mqtt:\/\/127\.0\.0\.1:\d+ \(site demo\), ingesting events$/m);
    assert.is(statSync(join(dir, 'site.key')).mode & 0o777, 0o600, 'the site secret is made beside the database, private');

    const login = await fetch(`${url}api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'root', password: PASSWORD }) });
    assert.is(login.status, 200);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const zone = await fetch(`${url}api/zones`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({ parentId: null, kind: 'community', name: 'Garden City' }),
    });
    assert.is(zone.status, 201);
    const { id: zoneId } = (await zone.json()) as { id: number };
    const placed = await fetch(`${url}api/terminals/gate-1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({ zoneId, role: 'gate', direction: 'in' }),
    });
    assert.is(placed.status, 200);

    await terminal.agent.whenConnected();
    terminal.events.append({ type: 'access.granted', result: 'granted', personId: 'ann' });
    // The terminal sees its event acknowledged only after the site committed it.
    await guard(new Promise<void>((resolve) => {
      if (terminal.events.ackedSeq() >= 1) return resolve();
      const off = terminal.events.acks.add((s) => s >= 1 && (off(), resolve()));
    }), 'the ack');
    const records = await fetch(`${url}api/records?zoneId=${zoneId}`, { headers: { cookie } });
    const body = (await records.json()) as { records: Array<{ terminal: string; personId: string; direction: string }> };
    assert.equal(body.records.map((r) => [r.terminal, r.personId, r.direction]), [['gate-1', 'ann', 'in']]);

    child.kill('SIGTERM');
    assert.is(await guard(exited, 'exit after SIGTERM'), 0, err);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await terminal.agent.stop();
    await broker.close();
  }
});

test('a busy port is one line, exit 1', async () => {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const busy = (s.address() as { port: number }).port;
  try {
    const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const c = spawn(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), 'site', '--database', db, '--port', String(busy)], { cwd: root });
      let err = '';
      c.stderr.on('data', (d) => (err += d));
      c.once('exit', (code) => resolve({ code, err: err.trim() }));
    });
    assert.is(r.code, 1);
    assert.match(r.err, /^limen: listen EADDRINUSE: address already in use 127\.0\.0\.1:\d+$/);
  } finally {
    s.close();
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
