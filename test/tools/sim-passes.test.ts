// `limen sim` with its signing key: the site signs a visitor pass, the sim terminals
// trust the key, and the pass's QR image (the PNG the site serves) shown to door-1's
// camera opens the door; the site then has the visitor inside. The key is kept and
// reused on the next start, and the printed `limen fleet` hint signs with it.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeSimulation } from '../../tools/cli/run-simulation.js';
import { loadOrCreateSigningKey, simSigningKeyFile } from '../../tools/cli/sim-signing-key.js';
import { startSimulation } from '../../tools/cli/simulation.js';
import { siteService } from '../../tools/cli/site-service.js';
import { showAtCamera } from '../firmware/helpers/pass-at-camera.js';

const PASSWORD = 'demo admin password';
const dir = mkdtempSync(join(tmpdir(), 'limen-sim-passes-'));

/** Asks `read` again until `ok` holds (the site applies ingested events after the terminal's answer). */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A logged-in staff session on the site's HTTP API (cookies kept, CSRF token sent). */
async function session(base: string) {
  const cookies = new Map<string, string>();
  let csrf = '';
  const call = async (method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
    const res = await fetch(new URL(path, base), { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    return res;
  };
  const login = await call('POST', '/api/login', { username: 'admin', password: PASSWORD });
  assert.is(login.status, 200);
  csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
  const json = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await call(method, path, body);
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
  return { call, json };
}

test('the demo site issues a pass that a sim terminal accepts from its camera', async () => {
  const sim = await startSimulation({
    site: 'maple',
    dir,
    face: false,
    signingKey: simSigningKeyFile(dir),
    services: [siteService({ database: join(dir, 'site.db'), adminPassword: PASSWORD })],
  });
  try {
    assert.is(sim.signingKey?.file, join(dir, 'signing-key.pem'));
    assert.is(statSync(sim.signingKey!.file).mode & 0o777, 0o600);
    assert.ok(describeSimulation(sim).some((l) => l.includes(`--signing-key ${sim.signingKey!.file} terminals`)));
    const door = sim.terminals.find((t) => t.id === 'door-1')!.terminal;
    const site = sim.services.find((s) => s.name === 'Site')!;
    const api = await session(site.url);

    const { units } = await api.json<{ units: Array<{ id: number; label: string }> }>('GET', '/api/units');
    const unit = units.find((u) => u.label === '1-101')!;
    const now = Date.now();
    const visitor = await api.json<{ id: number; personId: string }>('POST', '/api/visitors', {
      name: 'Vera Visitor',
      hostUnitId: unit.id,
      expectedFrom: new Date(now - 60_000).toISOString(),
      expectedUntil: new Date(now + 3_600_000).toISOString(),
    });
    const pass = await api.json<{ id: string; terminals: string[]; png: string }>('POST', `/api/visitors/${visitor.id}/passes`, { maxUses: 2 });
    assert.equal(pass.terminals, ['door-1', 'gate-1']);

    // The PNG the desk prints or sends, as a grey camera frame at door-1.
    const png = Buffer.from(await (await api.call('GET', pass.png)).arrayBuffer());
    assert.is((await showAtCamera(door, png, 'the door to grant the pass')).credentialRef, `pass:${pass.id}`);
    assert.ok(door.board.sim.doorRelay!.state, 'the door opened');

    // The site ingests the event: the visit is open, the visitor inside.
    const inside = async () => (await api.json<{ visits: Array<{ visitorId: number; passId: string | null; enteredTerminal: string }> }>('GET', '/api/visits/inside')).visits;
    const visits = await eventually(inside, (v) => v.length > 0, 'the visit at the site');
    assert.equal(
      visits.map((v) => [v.visitorId, v.passId, v.enteredTerminal]),
      [[visitor.id, pass.id, 'door-1']],
    );
  } finally {
    await sim.close();
  }
});

test('the signing key is made once and kept; its public key is what the terminals trust', () => {
  const file = join(dir, 'keep', 'signing-key.pem');
  const first = loadOrCreateSigningKey(file);
  const pem = readFileSync(file, 'utf8');
  const again = loadOrCreateSigningKey(file);
  assert.is(readFileSync(file, 'utf8'), pem);
  assert.is(again.kid, first.kid);
  assert.equal(JSON.parse(readFileSync(again.trustedKeysFile, 'utf8')).keys.map((k: { kid: string }) => k.kid), [first.kid]);
  assert.is(simSigningKeyFile(undefined), join('var', 'sim', 'signing-key.pem'));
  assert.is(simSigningKeyFile('/tmp/x'), join('/tmp/x', 'signing-key.pem'));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
