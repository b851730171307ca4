/**
 * Visitors, passes, occupancy, trajectories and access rules over the site's HTTP API
 * (`app.inject()` on a real SQLite store): roles, validation, the audit of personal
 * data, and a pass QR code that decodes (jsQR) to a token the terminals' check accepts.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsqrModule from 'jsqr';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FastifyInstance } from 'fastify';
import { signerFromPem } from '@limen/sdk';
import { decodePassToken } from '../../../sdk/src/protocol/pass-token.js';
import { buildSiteServer } from '../../../tools/site/server/index.js';
import { createStaff, createUnit, createZone, openSiteStore, placeTerminal, insertEvent, type SiteStore } from '../../../tools/site/store/index.js';

// jsqr is CommonJS with a `default` in its typings: take whichever the loader hands over.
type JsQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR: JsQr = ((jsqrModule as unknown as { default?: JsQr }).default ?? jsqrModule) as unknown as JsQr;
const SECRET = Buffer.alloc(32, 4);
const PASSWORD = 'a long enough password';
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer = signerFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 'site1');

interface Harness {
  app: FastifyInstance;
  store: SiteStore;
  unitId: number;
  zones: { gate: number; b3: number };
  now: { ms: number };
  close(): Promise<void>;
}

async function harness(o: { signer?: boolean; pushed?: string[][] } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'limen-site-visitors-'));
  const store = await openSiteStore(join(dir, 'site.db'));
  for (const role of ['admin', 'guard', 'registrar', 'viewer'] as const) await createStaff(store.db, { username: role, role, password: PASSWORD });
  const gate = await createZone(store.db, { parentId: null, kind: 'community', name: 'Gate' });
  const b3 = await createZone(store.db, { parentId: gate.id, kind: 'building', name: 'B3' });
  const b4 = await createZone(store.db, { parentId: gate.id, kind: 'building', name: 'B4' });
  await placeTerminal(store.db, { id: 'gate-1', zoneId: gate.id, role: 'gate', direction: 'both' });
  await placeTerminal(store.db, { id: 'b3-door', zoneId: b3.id, role: 'building-door', direction: 'in' });
  await placeTerminal(store.db, { id: 'b4-door', zoneId: b4.id, role: 'building-door', direction: 'in' });
  const unit = await createUnit(store.db, { zoneId: b3.id, kind: 'flat', label: '3-101' });
  const now = { ms: Date.parse('2026-05-01T09:00:00Z') };
  const app = await buildSiteServer({
    store,
    secret: SECRET,
    now: () => now.ms,
    ...(o.signer !== false && { signer }),
    ...(o.pushed && { push: async (terminals) => (o.pushed!.push(terminals), terminals.map((terminal) => ({ terminal, error: null }))) }),
  });
  return {
    app,
    store,
    unitId: unit.id,
    zones: { gate: gate.id, b3: b3.id },
    now,
    close: async () => {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function login(app: FastifyInstance, username: string) {
  const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password: PASSWORD } });
  assert.is(res.statusCode, 200, res.body);
  const cookie = res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  return { cookie, 'x-csrf-token': res.json().csrfToken as string };
}

const visitor = (unitId: number) => ({
  name: 'Wang Fang',
  idNumber: '11010519491231002X',
  phone: '13800000000',
  hostUnitId: unitId,
  purpose: 'visit',
  expectedFrom: '2026-05-01T09:00:00Z',
  expectedUntil: '2026-05-01T12:00:00Z',
  plate: '京A12345',
});

test('a registrar registers a visitor and issues a pass for the path to the host; the PNG decodes to a token terminals accept; each step is audited', async () => {
  const h = await harness();
  try {
    const desk = await login(h.app, 'registrar');
    const created = await h.app.inject({ method: 'POST', url: '/api/visitors', headers: desk, payload: visitor(h.unitId) });
    assert.is(created.statusCode, 201, created.body);
    const v = created.json();
    assert.is(v.idNumberMasked, '110***********002X');
    assert.not.ok(created.body.includes('19491231'));
    assert.is(v.hasPhoto, false);
    const issued = await h.app.inject({ method: 'POST', url: `/api/visitors/${v.id}/passes`, headers: desk, payload: { maxUses: 3 } });
    assert.is(issued.statusCode, 201, issued.body);
    const pass = issued.json();
    assert.equal(pass.terminals, ['b3-door', 'gate-1'], 'the gate and the host building, not B4');
    assert.equal([pass.validFrom, pass.validUntil, pass.maxUses, pass.uses], ['2026-05-01T09:00:00.000Z', '2026-05-01T12:00:00.000Z', 3, 0]);
    const png = await h.app.inject({ method: 'GET', url: pass.png, headers: desk });
    assert.is(png.statusCode, 200, png.body);
    assert.is(png.headers['content-type'], 'image/png');
    const { data, info } = await sharp(png.rawPayload).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const code = jsQR(new Uint8ClampedArray(data), info.width, info.height);
    assert.ok(code, 'the PNG holds a readable QR code');
    const decoded = decodePassToken(code!.data, new Map([['site1', publicKey]]));
    assert.ok(decoded.ok, JSON.stringify(decoded));
    if (decoded.ok) assert.equal([decoded.pass.id, decoded.pass.holder, decoded.pass.terminals, decoded.pass.maxUses], [pass.id, 'Wang Fang', ['b3-door', 'gate-1'], 3]);
    const svg = await h.app.inject({ method: 'GET', url: pass.svg, headers: desk });
    assert.is(svg.headers['content-type'], 'image/svg+xml');
    assert.match(svg.body, /^<svg /);
    const audit = await h.store.db.selectFrom('audit').select(['action', 'subject', 'username']).orderBy('id').execute();
    assert.equal(
      audit.filter((a) => a.action !== 'staff.login').map((a) => [a.action, a.subject, a.username]),
      [
        ['visitor.create', `visitor:${v.id}`, 'registrar'],
        ['pass.issue', `visitor:${v.id}`, 'registrar'],
        ['pass.show', `visitor:${v.id}`, 'registrar'],
        ['pass.show', `visitor:${v.id}`, 'registrar'],
      ],
    );
    // A revoked pass is shown no more.
    assert.is((await h.app.inject({ method: 'POST', url: `/api/passes/${pass.id}/revoke`, headers: desk })).statusCode, 200);
    assert.is((await h.app.inject({ method: 'GET', url: pass.png, headers: desk })).json().error.code, 'CONFLICT');
  } finally {
    await h.close();
  }
});

test('visitors: a photo without consent is 400, a viewer may not read the register, a site without a signing key issues no pass', async () => {
  const h = await harness({ signer: false });
  try {
    const desk = await login(h.app, 'guard');
    const photo = { mime: 'image/png', data: 'iVBORw0KGgo=' };
    const noConsent = await h.app.inject({ method: 'POST', url: '/api/visitors', headers: desk, payload: { ...visitor(h.unitId), photo, retainUntil: '2026-06-01T00:00:00Z' } });
    assert.is(noConsent.statusCode, 400);
    assert.is(noConsent.json().error.code, 'INVALID');
    const bidi = await h.app.inject({ method: 'POST', url: '/api/visitors', headers: desk, payload: { ...visitor(h.unitId), name: 'evil\u202eexe' } });
    assert.is(bidi.statusCode, 400);
    const ok = await h.app.inject({
      method: 'POST',
      url: '/api/visitors',
      headers: desk,
      payload: { ...visitor(h.unitId), photo, consent: { givenAt: '2026-05-01T08:59:00Z', method: 'signed-form', reference: 'F-7' }, retainUntil: '2026-06-01T00:00:00Z' },
    });
    assert.is(ok.statusCode, 201, ok.body);
    assert.is(ok.json().hasPhoto, true);
    const viewer = await login(h.app, 'viewer');
    assert.is((await h.app.inject({ method: 'GET', url: '/api/visitors', headers: viewer })).statusCode, 403);
    const noKey = await h.app.inject({ method: 'POST', url: `/api/visitors/${ok.json().id}/passes`, headers: desk, payload: {} });
    assert.is(noKey.statusCode, 409);
    // The photo is gone once its retention date passed.
    h.now.ms = Date.parse('2026-06-01T00:00:00Z');
    const later = await h.app.inject({ method: 'GET', url: `/api/visitors/${ok.json().id}`, headers: await login(h.app, 'guard') });
    assert.is(later.json().visitor.hasPhoto, false);
  } finally {
    await h.close();
  }
});

test('occupancy per zone with terminals, still inside, a trajectory (audited); access rules edited by admins and pushed', async () => {
  const pushed: string[][] = [];
  const h = await harness({ pushed });
  try {
    const admin = await login(h.app, 'admin');
    await insertEvent(h.store.db, { terminal: 'b3-door', seq: 1, ts: h.now.ms - 1000, type: 'access.granted', result: 'granted', personId: 'ann' }, { zone_id: h.zones.b3, direction: 'in' });
    const occ = await h.app.inject({ method: 'GET', url: '/api/occupancy', headers: admin });
    assert.is(occ.statusCode, 200, occ.body);
    const gate = occ.json().zones.find((z: { zoneId: number }) => z.zoneId === h.zones.gate);
    assert.equal(gate.terminals, [{ id: 'gate-1', online: null, healthAt: null, outboxDepth: null, gallerySize: null, cpuTempC: null, clockOffsetMs: null }]);
    const inside = await h.app.inject({ method: 'GET', url: '/api/visits/inside', headers: admin });
    assert.equal(inside.json(), { visits: [] });
    const traj = await h.app.inject({ method: 'GET', url: '/api/persons/ann/trajectory?from=2026-05-01T00:00:00Z&to=2026-05-02T00:00:00Z', headers: admin });
    assert.equal(traj.json().steps.map((s: { terminal: string; zoneName: string }) => [s.terminal, s.zoneName]), [['b3-door', 'B3']]);
    const audited = await h.store.db.selectFrom('audit').select(['action', 'subject']).where('action', '=', 'person.trajectory').execute();
    assert.equal(audited, [{ action: 'person.trajectory', subject: 'person:ann' }]);

    const guard = await login(h.app, 'guard');
    const schedule = { name: 'Office', weekly: { mon: ['08:00-18:00'] }, holidayIntervals: [] };
    assert.is((await h.app.inject({ method: 'PUT', url: '/api/schedules/office', headers: guard, payload: schedule })).statusCode, 403);
    assert.is((await h.app.inject({ method: 'PUT', url: '/api/schedules/office', headers: admin, payload: schedule })).statusCode, 200);
    const bad = await h.app.inject({ method: 'PUT', url: '/api/schedules/x', headers: admin, payload: { ...schedule, weekly: { mon: ['25:00-26:00'] } } });
    assert.is(bad.statusCode, 400);
    assert.is((await h.app.inject({ method: 'PUT', url: '/api/holidays/2026-10-01', headers: admin, payload: { name: 'National Day' } })).statusCode, 200);
    assert.is((await h.app.inject({ method: 'PUT', url: '/api/groups/cleaners', headers: admin, payload: { name: 'Cleaners', scheduleId: 'office' } })).statusCode, 200);
    assert.is((await h.app.inject({ method: 'DELETE', url: '/api/schedules/office', headers: admin })).statusCode, 409);
    const rules = await h.app.inject({ method: 'GET', url: '/api/access-rules', headers: guard });
    assert.equal(rules.json().groups, [{ id: 'cleaners', name: 'Cleaners', scheduleId: 'office' }]);
    const push = await h.app.inject({ method: 'POST', url: '/api/access-rules/push', headers: admin, payload: {} });
    assert.equal(push.json().results.map((r: { terminal: string }) => r.terminal), ['b3-door', 'b4-door', 'gate-1']);
    assert.equal(pushed, [['b3-door', 'b4-door', 'gate-1']]);
    const spec = (await h.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    for (const path of ['/api/visitors', '/api/visitors/{id}/passes', '/api/passes/{id}/qr.png', '/api/visits/inside', '/api/occupancy', '/api/persons/{id}/trajectory', '/api/access-rules/push']) {
      assert.ok(spec.paths[path], `OpenAPI documents ${path}`);
    }
  } finally {
    await h.close();
  }
});

test.run();
