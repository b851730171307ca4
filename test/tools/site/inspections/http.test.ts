/**
 * Inspections over the site's HTTP API (`app.inject()` on a real SQLite store, a fake
 * clock): unit cards as a PNG sheet whose QR codes decode (jsQR) to tokens that verify,
 * Chinese text that renders, the PDF; the inspector's scan refused by code for a forged,
 * other-key, replaced, someone else's or wrong-unit card; a visit on the server's clock
 * with a new occupant (ID number masked); overdue units and inspector activity.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsqrModule from 'jsqr';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FastifyInstance } from 'fastify';
import { cardBox, cardSheetsPng } from '../../../../tools/site/inspections/cards.js';
import { decodeUnitToken, encodeUnitToken, unitCardKey } from '../../../../tools/site/inspections/unit-token.js';
import { buildSiteServer } from '../../../../tools/site/server/index.js';
import {
  addResidency,
  createPerson,
  createStaff,
  DAY_MS,
  findPersonsByIdNumber,
  listAudit,
  openSiteStore,
  residentsOfUnit,
  type SiteStore,
} from '../../../../tools/site/store/index.js';
import { rentedRooms } from '../helpers/rented-rooms.js';

type JsQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR: JsQr = ((jsqrModule as unknown as { default?: JsQr }).default ?? jsqrModule) as unknown as JsQr;
const SECRET = Buffer.alloc(32, 9);
const PASSWORD = 'a long enough password';
const T0 = Date.parse('2026-04-01T08:00:00Z');
const hasCjkFont = spawnSync('sh', ['-c', 'fc-list :lang=zh family | grep -q .'], { stdio: 'ignore' }).status === 0;

interface Harness {
  app: FastifyInstance;
  store: SiteStore;
  units: { a: number; b: number; c: number };
  staff: Record<'li' | 'zhao', number>;
  now: { ms: number };
  changed: string[];
  close(): Promise<void>;
}

async function harness(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'limen-site-inspections-'));
  const store = await openSiteStore(join(dir, 'site.db'));
  const db = store.db;
  for (const role of ['admin', 'guard', 'registrar', 'viewer'] as const) await createStaff(db, { username: role, role, password: PASSWORD });
  const li = await createStaff(db, { username: 'li', role: 'inspector', password: PASSWORD });
  const zhao = await createStaff(db, { username: 'zhao', role: 'inspector', password: PASSWORD });
  const [a, b, c] = await rentedRooms(db, ['3-101', '3-102', '3-103']);
  const now = { ms: T0 };
  const changed: string[] = [];
  const app = await buildSiteServer({ store, secret: SECRET, now: () => now.ms, onPersonChanged: async (id) => void changed.push(id) });
  return {
    app,
    store,
    units: { a, b, c },
    staff: { li: li.id, zhao: zhao.id },
    now,
    changed,
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
  return { cookie: res.cookies.map((c) => `${c.name}=${c.value}`).join('; '), 'x-csrf-token': res.json().csrfToken as string };
}

/** Sets up units a and b for li (30 days) and c for zhao, with the printed contacts. */
async function assign(h: Harness) {
  const admin = await login(h.app, 'admin');
  for (const [who, name, phone] of [['li', '李警官', '13900000001'], ['zhao', '赵警官', '13900000002']] as const) {
    const r = await h.app.inject({ method: 'PUT', url: `/api/inspectors/${h.staff[who]}`, headers: admin, payload: { name, phone } });
    assert.is(r.statusCode, 200, r.body);
  }
  for (const [unit, who, landlord] of [[h.units.a, 'li', '王芳'], [h.units.b, 'li', '李明'], [h.units.c, 'zhao', '陈静']] as const) {
    const r = await h.app.inject({ method: 'PUT', url: `/api/units/${unit}/inspection`, headers: admin, payload: { landlordName: landlord, landlordPhone: '13800000000', inspectorId: h.staff[who], periodDays: 30 } });
    assert.is(r.statusCode, 200, r.body);
    assert.is(r.json().cardSerial, 1);
  }
  return admin;
}

async function qrOfCard(png: Buffer, i: number): Promise<string | null> {
  const { data, info } = await sharp(png).extract(cardBox(i)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return jsQR(new Uint8ClampedArray(data), info.width, info.height)?.data ?? null;
}

test('a PNG sheet of unit cards: each QR code decodes to a token that verifies and names its unit; printing is audited', async () => {
  const h = await harness();
  try {
    const admin = await assign(h);
    const res = await h.app.inject({ method: 'GET', url: `/api/inspections/cards.png?units=${h.units.a}&units=${h.units.c}`, headers: admin });
    assert.is(res.statusCode, 200, res.body);
    assert.is(res.headers['content-type'], 'image/png');
    const meta = await sharp(res.rawPayload).metadata();
    assert.equal([meta.width, meta.height], [1654, 2339], 'A4 at 200 dpi');
    const key = unitCardKey(SECRET);
    for (const [i, unit] of [[0, h.units.a], [1, h.units.c]] as const) {
      const token = await qrOfCard(res.rawPayload, i);
      const d = decodeUnitToken(token, [key]);
      assert.ok(d.ok, `card ${i}: ${token}`);
      assert.equal(d.ok && [d.unitId, d.serial], [unit, 1]);
    }
    assert.is(await qrOfCard(res.rawPayload, 2), null, 'the third place on the sheet is empty');
    const [entry] = await listAudit(h.store.db, { action: 'unit.cards.print' });
    assert.equal(entry!.detail, { units: [h.units.a, h.units.c], format: 'png' });
    assert.is(entry!.username, 'admin');

    for (const role of ['guard', 'li'] as const) {
      const r = await h.app.inject({ method: 'GET', url: `/api/inspections/cards.png?units=${h.units.a}`, headers: await login(h.app, role) });
      assert.is(r.statusCode, 403, role);
    }
    const none = await h.app.inject({ method: 'GET', url: `/api/inspections/cards.png?units=999`, headers: admin });
    assert.equal([none.statusCode, none.json().error.code], [404, 'NOT_FOUND']);
  } finally {
    await h.close();
  }
});

test('Chinese on a card renders as glyphs: two different names draw two different cards', async () => {
  if (!hasCjkFont) return console.log('skipped: CJK card text (no Chinese font installed: fonts-wqy-microhei)');
  const token = encodeUnitToken({ unitId: 1, serial: 1 }, unitCardKey(SECRET));
  const card = (landlord: string) => ({ token, label: '3-101', address: '枫林苑 / 3号楼', landlord, landlordPhone: null, inspector: null, inspectorPhone: null });
  const [wang] = await cardSheetsPng([card('王芳')]);
  const [li] = await cardSheetsPng([card('李明')]);
  const [blank] = await cardSheetsPng([card('')]);
  // A missing font draws every CJK character as the same box: the two names would give the same pixels.
  const raw = (png: Buffer) => sharp(png).raw().toBuffer();
  assert.not.ok((await raw(wang!)).equals(await raw(li!)));
  assert.not.ok((await raw(wang!)).equals(await raw(blank!)));
});

test('a PDF of unit cards: one A4 page per 8 cards', async () => {
  const h = await harness();
  try {
    const admin = await assign(h);
    const ids = [h.units.a, h.units.b, h.units.c, h.units.a, h.units.b, h.units.c, h.units.a, h.units.b, h.units.c];
    const res = await h.app.inject({ method: 'GET', url: `/api/inspections/cards.pdf?${ids.map((i) => `units=${i}`).join('&')}`, headers: admin });
    assert.is(res.statusCode, 200, res.body);
    assert.is(res.headers['content-type'], 'application/pdf');
    const pdf = await PDFDocument.load(res.rawPayload);
    assert.is(pdf.getPageCount(), 2);
    assert.equal(pdf.getPages().map((p) => p.getSize()).map((s) => [Math.round(s.width), Math.round(s.height)]), [[595, 842], [595, 842]]);
    const second = await h.app.inject({ method: 'GET', url: `/api/inspections/cards.png?page=2&${ids.map((i) => `units=${i}`).join('&')}`, headers: admin });
    assert.is(second.statusCode, 200);
    assert.ok(decodeUnitToken(await qrOfCard(second.rawPayload, 0), [unitCardKey(SECRET)]).ok, 'page 2 of the PNG holds the ninth card');
  } finally {
    await h.close();
  }
});

test('a scanned card is refused with its own code: not a card, forged, another key, replaced, someone else’s unit, the wrong unit', async () => {
  const h = await harness();
  try {
    const admin = await assign(h);
    const li = await login(h.app, 'li');
    const key = unitCardKey(SECRET);
    const good = encodeUnitToken({ unitId: h.units.a, serial: 1 }, key);
    const scan = (token: string, unitId?: number, as = li) => h.app.inject({ method: 'POST', url: '/api/inspect/scan', headers: as, payload: { token, ...(unitId !== undefined && { unitId }) } });
    const code = async (p: ReturnType<typeof scan>) => {
      const r = await p;
      return [r.statusCode, r.json().error?.code ?? 'ok'];
    };
    assert.equal(await code(scan(good)), [200, 'ok']);
    assert.equal(await code(scan('https://example.com/not-a-card')), [400, 'CARD_NOT_A_CARD']);
    assert.equal(await code(scan(good.replace(`.${h.units.a}.1.`, `.${h.units.b}.1.`))), [403, 'CARD_FORGED'], 'the unit id altered to another of li’s units');
    assert.equal(await code(scan(encodeUnitToken({ unitId: h.units.a, serial: 1 }, unitCardKey(Buffer.alloc(32, 1))))), [403, 'CARD_UNKNOWN_KEY'], 'printed under another site key');
    assert.equal(await code(scan(encodeUnitToken({ unitId: h.units.c, serial: 1 }, key))), [403, 'CARD_NOT_YOUR_UNIT'], 'zhao’s unit');
    assert.equal(await code(scan(encodeUnitToken({ unitId: h.units.b, serial: 1 }, key), h.units.a)), [409, 'CARD_WRONG_UNIT'], 'the page is recording unit a');
    assert.equal(await code(scan(encodeUnitToken({ unitId: 9999, serial: 1 }, key))), [404, 'CARD_UNKNOWN_UNIT']);
    const re = await h.app.inject({ method: 'POST', url: `/api/units/${h.units.a}/card/reissue`, headers: admin });
    assert.is(re.json().cardSerial, 2);
    assert.equal(await code(scan(good)), [403, 'CARD_REPLACED'], 'the old card after a reprint');
    assert.equal(await code(scan(encodeUnitToken({ unitId: h.units.a, serial: 2 }, key))), [200, 'ok']);
    // A visit with a refused card records nothing.
    const visit = await h.app.inject({ method: 'POST', url: '/api/inspect/visits', headers: li, payload: { token: good, unitId: h.units.a, confirmed: [], departed: [], newOccupants: [] } });
    assert.equal([visit.statusCode, visit.json().error.code], [403, 'CARD_REPLACED']);
    const refusals = await listAudit(h.store.db, { action: 'inspection.card-refused' });
    assert.equal(refusals.map((e) => e.detail!.code).reverse(), ['CARD_NOT_A_CARD', 'CARD_FORGED', 'CARD_UNKNOWN_KEY', 'CARD_NOT_YOUR_UNIT', 'CARD_WRONG_UNIT', 'CARD_UNKNOWN_UNIT', 'CARD_REPLACED', 'CARD_REPLACED']);
    assert.ok(refusals.every((e) => e.username === 'li'));
    // Only inspectors scan.
    assert.is((await scan(good, undefined, admin)).statusCode, 403);
  } finally {
    await h.close();
  }
});

test('an inspector records a visit on the server’s clock: the unit is no longer overdue, the newcomer moves in masked, the leaver moves out', async () => {
  const h = await harness();
  try {
    await assign(h);
    const db = h.store.db;
    const stay = await createPerson(db, SECRET, { name: 'Stay Tenant', idNumber: '110101198001011111' });
    const leave = await createPerson(db, SECRET, { name: 'Leave Tenant' });
    await addResidency(db, { personId: stay.id, unitId: h.units.a, role: 'tenant', moveIn: T0 - DAY_MS });
    await addResidency(db, { personId: leave.id, unitId: h.units.a, role: 'tenant', moveIn: T0 - DAY_MS });
    h.now.ms = T0 + 31 * DAY_MS;
    // Logged in a month later (sessions end after 12 hours of the same clock).
    const li = await login(h.app, 'li');

    const mine = await h.app.inject({ method: 'GET', url: '/api/inspect/units', headers: li });
    assert.equal(mine.json().units.map((u: { label: string; overdue: boolean }) => [u.label, u.overdue]), [['3-101', true], ['3-102', true]], 'li’s units only, both overdue');

    const token = encodeUnitToken({ unitId: h.units.a, serial: 1 }, unitCardKey(SECRET));
    const scanned = (await h.app.inject({ method: 'POST', url: '/api/inspect/scan', headers: li, payload: { token } })).json();
    assert.equal(scanned.unit, { id: h.units.a, label: '3-101', address: '枫林苑 / 3号楼 / 3-101', landlord: '王芳', landlordPhone: '13800000000', periodDays: 30 });
    assert.equal(scanned.residents.map((r: { name: string; idNumberMasked: string | null }) => [r.name, r.idNumberMasked]), [['Leave Tenant', null], ['Stay Tenant', '110***********1111']]);

    const photo = (await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).jpeg().toBuffer()).toString('base64');
    const bad = await h.app.inject({
      method: 'POST',
      url: '/api/inspect/visits',
      headers: li,
      payload: { token, unitId: h.units.a, confirmed: [stay.id], departed: [leave.id], newOccupants: [{ name: '张伟', photo: { mime: 'image/jpeg', data: photo } }] },
    });
    assert.equal([bad.statusCode, bad.json().error.code], [400, 'INVALID'], 'a photo without consent');
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/inspect/visits',
      headers: li,
      payload: {
        token,
        unitId: h.units.a,
        confirmed: [stay.id],
        departed: [leave.id],
        newOccupants: [{ name: '张伟', idNumber: '11010519491231002X', photo: { mime: 'image/jpeg', data: photo }, consent: true }],
      },
    });
    assert.is(res.statusCode, 201, res.body);
    const { visit, unit } = res.json();
    assert.equal(
      { at: visit.at, by: visit.inspectorUsername, confirmed: visit.confirmed, departed: visit.departed, added: visit.added },
      { at: new Date(h.now.ms).toISOString(), by: 'li', confirmed: 1, departed: 1, added: 1 },
    );
    assert.equal({ overdue: unit.overdue, due: unit.dueAt }, { overdue: false, due: new Date(h.now.ms + 30 * DAY_MS).toISOString() });
    const [zw] = await findPersonsByIdNumber(db, SECRET, '11010519491231002X');
    assert.is(zw!.id_doc_masked, '110***********002X');
    assert.equal((await residentsOfUnit(db, h.units.a, h.now.ms)).map((r) => r.name).sort(), ['Stay Tenant', '张伟']);
    assert.equal(h.changed.sort(), [zw!.id, leave.id].sort(), 'the terminals follow the move-in and the move-out');
    const [scanAudit] = await listAudit(db, { action: 'inspection.scan' });
    assert.equal([scanAudit!.username, scanAudit!.subject], ['li', `unit:${h.units.a}`]);
    const [audit] = await listAudit(db, { action: 'inspection.visit' });
    assert.equal(audit!.detail, { visit: visit.id, confirmed: 1, departed: [leave.id], added: [zw!.id], photos: 1 });
    assert.not.ok(JSON.stringify(audit).includes('1231002X'), 'the ID number stays out of the audit');

    const after = await h.app.inject({ method: 'GET', url: '/api/inspect/units', headers: li });
    assert.equal(after.json().units.map((u: { label: string; overdue: boolean }) => [u.label, u.overdue]), [['3-102', true], ['3-101', false]]);

    // The console: every unit's status and each inspector's activity, for admin, guard and registrar.
    const guard = await login(h.app, 'guard');
    const statusRes = await h.app.inject({ method: "GET", url: "/api/inspections/status", headers: guard });
    assert.is(statusRes.statusCode, 200, statusRes.body);
    const status = statusRes.json();
    assert.equal(status.units.map((u: { label: string; overdue: boolean }) => [u.label, u.overdue]), [['3-102', true], ['3-103', true], ['3-101', false]]);
    const q = `from=${new Date(T0).toISOString()}&to=${new Date(T0 + 35 * DAY_MS).toISOString()}`;
    const act = (await h.app.inject({ method: 'GET', url: `/api/inspections/activity?${q}`, headers: guard })).json();
    assert.equal(
      act.inspectors.map((i: { username: string; visits: number; units: number; overdue: number; perWeek: number; lastVisitAt: string | null }) => [i.username, i.visits, i.units, i.overdue, i.perWeek, i.lastVisitAt]),
      [['li', 1, 2, 1, 0.2, new Date(h.now.ms).toISOString()], ['zhao', 0, 1, 1, 0, null]],
    );
    assert.equal(act.visits.map((v: { unitLabel: string; inspectorUsername: string }) => [v.unitLabel, v.inspectorUsername]), [['3-101', 'li']]);
    for (const role of ['viewer', 'li'] as const) assert.is((await h.app.inject({ method: 'GET', url: `/api/inspections/activity?${q}`, headers: await login(h.app, role) })).statusCode, 403, role);
  } finally {
    await h.close();
  }
});

test('the OpenAPI document lists the inspection routes', async () => {
  const h = await harness();
  try {
    const doc = (await h.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    for (const p of ['/api/inspect/scan', '/api/inspect/visits', '/api/inspect/units', '/api/inspections/cards.png', '/api/inspections/cards.pdf', '/api/inspections/status', '/api/inspections/activity', '/api/units/{id}/inspection', '/api/units/{id}/card/reissue', '/api/inspectors/{id}']) {
      assert.ok(doc.paths[p], p);
    }
  } finally {
    await h.close();
  }
});

test.run();
