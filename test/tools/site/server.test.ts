/**
 * The site's HTTP API through `app.inject()` on a real SQLite store: login, cookies,
 * CSRF, rate limit, roles, the audit trail of personal data, validation, OpenAPI.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildSiteServer } from '../../../tools/site/server/index.js';
import { createStaff, insertEvent, openSiteStore, type SiteStore, type StaffRole } from '../../../tools/site/store/index.js';

const SECRET = Buffer.alloc(32, 3);
const PASSWORD = 'a long enough password';

interface Harness {
  app: FastifyInstance;
  store: SiteStore;
  close(): Promise<void>;
}

async function harness(o: { loginLimit?: { max: number; timeWindowMs: number } } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'limen-site-http-'));
  const store = await openSiteStore(join(dir, 'site.db'));
  for (const role of ['admin', 'guard', 'registrar', 'inspector', 'viewer'] as const) await createStaff(store.db, { username: role, role, password: PASSWORD });
  const app = await buildSiteServer({ store, secret: SECRET, ...(o.loginLimit && { loginLimit: o.loginLimit }) });
  return {
    app,
    store,
    close: async () => {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Session {
  cookie: string;
  csrf: string;
}

function cookiesOf(res: LightMyRequestResponse): Record<string, string> {
  return Object.fromEntries(res.cookies.map((c) => [c.name, c.value]));
}

async function login(app: FastifyInstance, username: StaffRole | string, ip = '10.1.2.3'): Promise<Session> {
  const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password: PASSWORD }, remoteAddress: ip });
  assert.is(res.statusCode, 200, res.body);
  const c = cookiesOf(res);
  return { cookie: Object.entries(c).map(([k, v]) => `${k}=${v}`).join('; '), csrf: res.json().csrfToken };
}

function as(s: Session, withCsrf = true) {
  return { cookie: s.cookie, ...(withCsrf && { 'x-csrf-token': s.csrf }) };
}

test('login sets an HttpOnly, SameSite=Strict session cookie; a wrong password is 401 and audited', async () => {
  const h = await harness();
  try {
    const ok = await h.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'admin', password: PASSWORD } });
    assert.is(ok.statusCode, 200);
    assert.equal(ok.json().role, 'admin');
    const session = ok.cookies.find((c) => c.name === 'limen_session')!;
    assert.ok(session.httpOnly);
    assert.is(session.sameSite, 'Strict');
    assert.is(session.path, '/');
    const bad = await h.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'admin', password: 'nope' }, remoteAddress: '10.9.9.9' });
    assert.is(bad.statusCode, 401);
    assert.is(bad.json().error.code, 'UNAUTHORIZED');
    assert.is(bad.cookies.length, 0);
    const audit = await h.store.db.selectFrom('audit').selectAll().where('action', '=', 'staff.login-failed').execute();
    assert.equal(audit.map((a) => [a.subject, a.ip]), [['staff:admin', '10.9.9.9']]);
    const me = await h.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: `limen_session=${session.value}` } });
    assert.equal(me.json().username, 'admin');
    assert.is((await h.app.inject({ method: 'GET', url: '/api/me' })).statusCode, 401);
    assert.is((await h.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: 'limen_session=forged' } })).statusCode, 401);
  } finally {
    await h.close();
  }
});

test('state-changing requests need the CSRF token of their own session', async () => {
  const h = await harness();
  try {
    const admin = await login(h.app, 'admin');
    const other = await login(h.app, 'admin');
    const zone = { parentId: null, kind: 'community', name: 'Garden City' };
    const none = await h.app.inject({ method: 'POST', url: '/api/zones', headers: as(admin, false), payload: zone });
    assert.is(none.statusCode, 403);
    assert.is(none.json().error.code, 'CSRF');
    const foreign = await h.app.inject({ method: 'POST', url: '/api/zones', headers: { cookie: admin.cookie, 'x-csrf-token': other.csrf }, payload: zone });
    assert.is(foreign.statusCode, 403, "another session's token");
    const ok = await h.app.inject({ method: 'POST', url: '/api/zones', headers: as(admin), payload: zone });
    assert.is(ok.statusCode, 201, ok.body);
    assert.equal(ok.json().name, 'Garden City');
    const logout = await h.app.inject({ method: 'POST', url: '/api/logout', headers: as(admin) });
    assert.is(logout.statusCode, 204);
    assert.is((await h.app.inject({ method: 'GET', url: '/api/zones', headers: as(admin) })).statusCode, 401, 'the session is gone');
  } finally {
    await h.close();
  }
});

test('login is rate-limited per address', async () => {
  const h = await harness({ loginLimit: { max: 3, timeWindowMs: 3600_000 } });
  try {
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await h.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'admin', password: 'wrong' }, remoteAddress: '10.0.0.7' });
      codes.push(r.statusCode);
    }
    assert.equal(codes, [401, 401, 401, 429]);
    const limited = await h.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'admin', password: PASSWORD }, remoteAddress: '10.0.0.7' });
    assert.is(limited.statusCode, 429, 'even the right password, until the window passes');
    assert.is(limited.json().error.code, 'RATE_LIMITED');
    const elsewhere = await h.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'admin', password: PASSWORD }, remoteAddress: '10.0.0.8' });
    assert.is(elsewhere.statusCode, 200);
  } finally {
    await h.close();
  }
});

test('each route checks the role', async () => {
  const h = await harness();
  try {
    const s = Object.fromEntries(await Promise.all((['admin', 'guard', 'registrar', 'inspector', 'viewer'] as const).map(async (r) => [r, await login(h.app, r)] as const)));
    const zone = await h.app.inject({ method: 'POST', url: '/api/zones', headers: as(s.admin!), payload: { parentId: null, kind: 'building', name: 'B1' } });
    const b1 = zone.json().id as number;
    const checks: Array<[StaffRole, string, string, unknown, number]> = [
      ['guard', 'POST', '/api/zones', { parentId: null, kind: 'community', name: 'x' }, 403],
      ['registrar', 'POST', '/api/units', { zoneId: b1, kind: 'flat', label: '1-101' }, 201],
      ['guard', 'POST', '/api/units', { zoneId: b1, kind: 'flat', label: '1-102' }, 403],
      ['viewer', 'GET', '/api/zones', undefined, 200],
      ['viewer', 'GET', '/api/records', undefined, 403],
      ['guard', 'GET', '/api/records', undefined, 200],
      ['guard', 'GET', '/api/records.csv', undefined, 403],
      ['inspector', 'GET', '/api/records.csv', undefined, 200],
      ['registrar', 'GET', '/api/audit', undefined, 403],
      ['admin', 'GET', '/api/audit', undefined, 200],
      ['registrar', 'GET', '/api/staff', undefined, 403],
      ['guard', 'PUT', '/api/terminals/gate-1', { zoneId: b1, role: 'gate', direction: 'in' }, 403],
      ['admin', 'PUT', '/api/terminals/gate-1', { zoneId: b1, role: 'gate', direction: 'in' }, 200],
    ];
    for (const [role, method, url, payload, status] of checks) {
      const r = await h.app.inject({ method: method as 'GET', url, headers: as(s[role]!), ...(payload !== undefined && { payload: payload as object }) });
      assert.is(r.statusCode, status, `${role} ${method} ${url}: ${r.body}`);
    }
    assert.is((await h.app.inject({ method: 'GET', url: '/api/zones' })).statusCode, 401);
  } finally {
    await h.close();
  }
});

test('reads, exports and changes of personal data are audited: who, what, when, from where', async () => {
  const h = await harness();
  try {
    const registrar = await login(h.app, 'registrar', '10.0.0.21');
    const inspector = await login(h.app, 'inspector', '10.0.0.22');
    const admin = await login(h.app, 'admin', '10.0.0.1');
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/persons',
      headers: as(registrar),
      remoteAddress: '10.0.0.21',
      payload: { id: 'li-lei', name: 'Li Lei', idNumber: '11010519491231002X' },
    });
    assert.is(created.statusCode, 201, created.body);
    assert.is(created.json().idNumberMasked, '110***********002X');
    assert.not.ok(created.body.includes('19491231'));
    await insertEvent(h.store.db, { terminal: 'gate-1', seq: 1, ts: Date.parse('2026-12-01T08:00:00Z'), type: 'access.granted', result: 'granted', personId: 'li-lei' }, undefined);
    const read = await h.app.inject({ method: 'GET', url: '/api/persons/li-lei', headers: as(inspector), remoteAddress: '10.0.0.22' });
    assert.is(read.statusCode, 200);
    const search = await h.app.inject({ method: 'GET', url: '/api/records?personId=li-lei&from=2026-12-01T00:00:00Z', headers: as(inspector), remoteAddress: '10.0.0.22' });
    assert.equal(search.json().records.map((r: { personName: string }) => r.personName), ['Li Lei']);
    const csv = await h.app.inject({ method: 'GET', url: '/api/records.csv?personId=li-lei', headers: as(inspector), remoteAddress: '10.0.0.22' });
    assert.is(csv.headers['content-type'], 'text/csv; charset=utf-8');
    assert.is(csv.body.split('\r\n').length, 3);
    const found = await h.app.inject({ method: 'GET', url: '/api/persons?idNumber=110105194912310022', headers: as(inspector), remoteAddress: '10.0.0.22' });
    assert.equal(found.json().persons, []);

    const log = await h.app.inject({ method: 'GET', url: '/api/audit?limit=100', headers: as(admin) });
    const entries = (log.json().entries as Array<{ username: string; action: string; subject: string | null; ip: string; at: number; detail: Record<string, unknown> | null }>).filter(
      (e) => !e.action.startsWith('staff.login'),
    );
    assert.equal(
      entries.map((e) => [e.username, e.action, e.subject, e.ip]),
      [
        ['inspector', 'person.find-by-id-number', null, '10.0.0.22'],
        ['inspector', 'records.export', null, '10.0.0.22'],
        ['inspector', 'records.search', null, '10.0.0.22'],
        ['inspector', 'person.read', 'person:li-lei', '10.0.0.22'],
        ['registrar', 'person.create', 'person:li-lei', '10.0.0.21'],
      ],
    );
    assert.equal((entries[2]!.detail as { query: unknown }).query, { personId: 'li-lei', from: Date.parse('2026-12-01T00:00:00Z') });
    assert.ok(entries.every((e) => typeof e.at === 'number' && e.at > 0));
    assert.not.ok(log.body.includes('19491231'), 'no identity number in the audit log');
  } finally {
    await h.close();
  }
});

test('bad input is refused with a code, never a crash', async () => {
  const h = await harness();
  try {
    const admin = await login(h.app, 'admin');
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/api/zones', { parentId: null, kind: 'castle', name: 'x' }, 400, 'INVALID'],
      ['POST', '/api/zones', { parentId: 42, kind: 'building', name: 'x' }, 404, 'NOT_FOUND'],
      ['GET', '/api/records?from=yesterday', undefined, 400, 'INVALID'],
      ['GET', '/api/records?limit=100000', undefined, 400, 'INVALID'],
      ['GET', '/api/records?cursor=forged', undefined, 400, 'INVALID'],
      ['GET', '/api/records?zoneId=77', undefined, 404, 'NOT_FOUND'],
      ['GET', '/api/records.csv?zoneId=77', undefined, 404, 'NOT_FOUND'],
      ['GET', '/api/persons/nobody', undefined, 404, 'NOT_FOUND'],
      ['GET', '/api/nowhere', undefined, 404, 'NOT_FOUND'],
    ];
    for (const [method, url, payload, status, code] of cases) {
      const r = await h.app.inject({ method: method as 'GET', url, headers: as(admin), ...(payload !== undefined && { payload: payload as object }) });
      assert.is(r.statusCode, status, `${method} ${url}: ${r.body}`);
      assert.is(r.json().error.code, code, `${method} ${url}`);
    }
    const junk = await h.app.inject({ method: 'POST', url: '/api/zones', headers: { ...as(admin), 'content-type': 'application/json' }, payload: '{"parentId":' });
    assert.is(junk.statusCode, 400);
    assert.is(junk.json().error.code, 'BAD_REQUEST');
  } finally {
    await h.close();
  }
});

test('the OpenAPI document describes every API route', async () => {
  const h = await harness();
  try {
    const r = await h.app.inject({ method: 'GET', url: '/api/openapi.json' });
    assert.is(r.statusCode, 200);
    const doc = r.json();
    assert.match(doc.openapi, /^3\./);
    const ops = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, m]) => Object.keys(m).map((k) => `${k.toUpperCase()} ${p}`));
    for (const op of ['POST /api/login', 'GET /api/records', 'GET /api/records.csv', 'GET /api/zones', 'PATCH /api/zones/{id}', 'PUT /api/terminals/{id}', 'GET /api/persons/{id}', 'GET /api/audit', 'POST /api/staff']) {
      assert.ok(ops.includes(op), `${op} in ${ops.join(', ')}`);
    }
    const records = doc.paths['/api/records'].get;
    assert.ok(records.parameters.some((p: { name: string }) => p.name === 'zoneId'));
    const routes = h.app.printRoutes({ commonPrefix: false });
    assert.ok(routes.includes('/api/openapi.json'));
  } finally {
    await h.close();
  }
});

test.run();
