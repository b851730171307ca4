// The console's side of the site server, over a real broker and fleet agents (memory
// galleries): the page and its bundled app with a content security policy; a face
// enrolled from a photo reaches the terminals of the person's zone path with the
// consent the staff member recorded (audited, the photo not kept); remote unlock; a
// vehicle gate's barrier closed, its refusals in words.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Fleet } from '@limen/sdk';
import { CommandError } from '../../../../firmware/fleet/index.js';
import { buildSiteServer } from '../../../../tools/site/server/index.js';
import { CONSOLE_CSP } from '../../../../tools/site/server/console.js';
import { addResidency, createPerson, createStaff, createUnit, createZone, openSiteStore, placeTerminal, type SiteStore } from '../../../../tools/site/store/index.js';
import { startAedes } from '../../../sdk/helpers/brokers.js';
import { PIXEL_PNG, startTerminal, type TestTerminal } from '../../../sdk/helpers/terminal.js';

const SECRET = Buffer.alloc(32, 5);
const PASSWORD = 'a long enough password';

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'limen-site-console-'));
  const broker = await startAedes();
  const terminals: Record<string, TestTerminal> = {};
  for (const id of ['gate-1', 'door-1', 'door-2']) terminals[id] = startTerminal(broker, { site: 'maple', id, barrier: id === 'gate-1' });
  const fleet = await Fleet.connect({ url: broker.url, site: 'maple' });
  while (fleet.terminals().filter((t) => t.online).length < 3) await new Promise<void>((r) => fleet.onPresence(() => r()));
  const store: SiteStore = await openSiteStore(join(dir, 'site.db'));
  for (const role of ['admin', 'registrar', 'guard', 'viewer'] as const) await createStaff(store.db, { username: role, role, password: PASSWORD });
  // Maple Court → Building 1 (door-1) and Building 2 (door-2); gate-1 at the community gate.
  const community = await createZone(store.db, { parentId: null, kind: 'community', name: 'Maple Court' });
  const b1 = await createZone(store.db, { parentId: community.id, kind: 'building', name: 'Building 1' });
  const b2 = await createZone(store.db, { parentId: community.id, kind: 'building', name: 'Building 2' });
  await placeTerminal(store.db, { id: 'gate-1', zoneId: community.id, role: 'gate', direction: 'in' });
  await placeTerminal(store.db, { id: 'door-1', zoneId: b1.id, role: 'building-door', direction: 'in' });
  await placeTerminal(store.db, { id: 'door-2', zoneId: b2.id, role: 'building-door', direction: 'in' });
  const unit = await createUnit(store.db, { zoneId: b1.id, kind: 'flat', label: '1-101' });
  await createPerson(store.db, SECRET, { id: 'ann', name: 'Ann Example' });
  await addResidency(store.db, { personId: 'ann', unitId: unit.id, role: 'owner', moveIn: Date.now() - 86_400_000, moveOut: null });
  await createPerson(store.db, SECRET, { id: 'nomad', name: 'No Unit' });
  const app: FastifyInstance = await buildSiteServer({ store, secret: SECRET, fleet, console: true });
  const login = async (username: string) => {
    const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password: PASSWORD } });
    const cookie = res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    return { cookie, 'x-csrf-token': res.json().csrfToken as string };
  };
  return {
    app,
    store,
    terminals,
    login,
    close: async () => {
      await app.close();
      await fleet.close();
      for (const t of Object.values(terminals)) await t.agent.stop();
      await broker.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const photo = { mime: 'image/png', data: PIXEL_PNG.toString('base64') };
const json = (r: LightMyRequestResponse) => r.json() as Record<string, any>;

test('the page and its bundled app are served with a content security policy; without console they are not', async () => {
  const s = await setup();
  try {
    const page = await s.app.inject({ method: 'GET', url: '/' });
    assert.is(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /^text\/html/);
    assert.is(page.headers['content-security-policy'], CONSOLE_CSP);
    assert.match(page.body, /<script type="module" src="\/app.js">/);
    const js = await s.app.inject({ method: 'GET', url: '/app.js' });
    assert.match(js.headers['content-type'] as string, /^text\/javascript/);
    assert.ok(js.body.length > 50_000, `bundled app (${js.body.length} bytes)`);
    const apiOnly = await buildSiteServer({ store: s.store, secret: SECRET });
    assert.is((await apiOnly.inject({ method: 'GET', url: '/' })).statusCode, 404);
    await apiOnly.close();
  } finally {
    await s.close();
  }
});

test("a face goes to the terminals on the person's zone path, with the consent recorded by the staff member; audited, the photo not kept", async () => {
  const s = await setup();
  try {
    const registrar = await s.login('registrar');
    const before = Date.now();
    const res = await s.app.inject({ method: 'POST', url: '/api/persons/ann/face', headers: registrar, payload: { photo, consent: true } });
    assert.is(res.statusCode, 200, res.body);
    assert.equal(json(res).results, [
      { terminal: 'door-1', ok: true, face: true },
      { terminal: 'gate-1', ok: true, face: true },
    ]);
    for (const id of ['gate-1', 'door-1']) {
      const consent = s.terminals[id]!.gallery.persons.get('ann')?.faces?.[0]?.consent;
      assert.is(consent?.subject, 'Ann Example');
      assert.is(consent?.method, 'web');
      assert.match(consent!.reference!, /recorded by registrar/);
      assert.ok(consent!.givenAt >= before && consent!.givenAt <= Date.now());
    }
    assert.not.ok(s.terminals['door-2']!.gallery.persons.has('ann'), 'Building 2 is not on her path');
    const audit = await s.store.db.selectFrom('audit').selectAll().where('action', '=', 'person.face.enrol').execute();
    assert.is(audit.length, 1);
    assert.is(audit[0]!.subject, 'person:ann');
    assert.is(audit[0]!.username, 'registrar');
    assert.equal(JSON.parse(audit[0]!.detail!).terminals, ['door-1', 'gate-1']);
    const faces = await s.store.db.selectFrom('credentials').selectAll().where('person_id', '=', 'ann').where('type', '=', 'face').execute();
    assert.is(faces.length, 1);
    assert.match(faces[0]!.ref, /^photo-sha256:[0-9a-f]{32}$/);
    assert.not.match(JSON.stringify(await s.store.db.selectFrom('credentials').selectAll().execute()), new RegExp(photo.data.slice(0, 20)));

    // Without a unit: every online terminal.
    const nomad = await s.app.inject({ method: 'POST', url: '/api/persons/nomad/face', headers: registrar, payload: { photo, consent: true } });
    assert.equal(json(nomad).results.map((r: { terminal: string }) => r.terminal), ['door-1', 'door-2', 'gate-1']);
  } finally {
    await s.close();
  }
});

test('face enrolment refuses without consent, for an unknown person, an unreadable photo, a wrong role or no CSRF token', async () => {
  const s = await setup();
  try {
    const registrar = await s.login('registrar');
    const post = (headers: Record<string, string>, body: unknown, who = 'ann') => s.app.inject({ method: 'POST', url: `/api/persons/${who}/face`, headers, payload: body as object });
    const noConsent = await post(registrar, { photo, consent: false });
    assert.is(noConsent.statusCode, 400);
    assert.match(json(noConsent).error.message, /consent box/);
    assert.is((await post(registrar, { photo })).statusCode, 400);
    assert.is((await post(registrar, { photo, consent: true }, 'nobody')).statusCode, 404);
    const garbage = await post(registrar, { photo: { mime: 'image/png', data: Buffer.from('not a photo').toString('base64') }, consent: true });
    assert.equal(json(garbage).error, { code: 'INVALID', message: 'The photo could not be read. Choose a JPEG, PNG or WebP picture.' });
    assert.is((await post(await s.login('guard'), { photo, consent: true })).statusCode, 403);
    assert.is((await post({ cookie: registrar.cookie }, { photo, consent: true })).statusCode, 403);
    // No session and no token: the CSRF check refuses first.
    assert.is(json(await post({}, { photo, consent: true })).error.code, 'CSRF');
    assert.is((await post(registrar, { photo, consent: true, extra: 1 })).statusCode, 400);
    for (const t of Object.values(s.terminals)) assert.not.ok(t.gallery.persons.has('ann'), 'nothing reached a terminal');
  } finally {
    await s.close();
  }
});

test('remote unlock: guards and admins, to the named terminal only, audited; unknown terminals and bad durations refused', async () => {
  const s = await setup();
  try {
    const guard = await s.login('guard');
    const r = await s.app.inject({ method: 'POST', url: '/api/terminals/door-1/unlock', headers: guard, payload: { durationMs: 3000 } });
    assert.is(r.statusCode, 200, r.body);
    assert.equal(s.terminals['door-1']!.unlocks, [{ durationMs: 3000 }]);
    assert.equal(s.terminals['gate-1']!.unlocks, []);
    assert.is((await s.store.db.selectFrom('audit').select('subject').where('action', '=', 'terminal.unlock').executeTakeFirst())?.subject, 'terminal:door-1');
    assert.is(json(await s.app.inject({ method: 'POST', url: '/api/terminals/nope/unlock', headers: guard, payload: {} })).error.code, 'NOT_FOUND');
    assert.is((await s.app.inject({ method: 'POST', url: '/api/terminals/door-1/unlock', headers: guard, payload: { durationMs: 5 } })).statusCode, 400);
    assert.is((await s.app.inject({ method: 'POST', url: '/api/terminals/door-1/unlock', headers: await s.login('viewer'), payload: {} })).statusCode, 403);
    assert.is(s.terminals['door-1']!.unlocks.length, 1);
    // A vehicle gate's barrier (the guard's answer to an unknown plate): the door is passed on and audited.
    assert.is((await s.app.inject({ method: 'POST', url: '/api/terminals/gate-1/unlock', headers: guard, payload: { door: 'barrier', durationMs: 10_000 } })).statusCode, 200);
    assert.equal(s.terminals['gate-1']!.unlocks, [{ durationMs: 10_000, door: 'barrier' }]);
    const audited = await s.store.db.selectFrom('audit').select('detail').where('action', '=', 'terminal.unlock').where('subject', '=', 'terminal:gate-1').executeTakeFirst();
    assert.match(String(audited?.detail), /"door":"barrier"/);
    assert.is((await s.app.inject({ method: 'POST', url: '/api/terminals/gate-1/unlock', headers: guard, payload: { door: '../barrier' } })).statusCode, 400);
    assert.is(s.terminals['gate-1']!.unlocks.length, 1);
  } finally {
    await s.close();
  }
});

test("barrier close: guards and admins, to the named vehicle gate, audited; the terminal's refusal is a 409 in words", async () => {
  const s = await setup();
  try {
    const guard = await s.login('guard');
    const close = (id: string, headers: Record<string, string> = guard) => s.app.inject({ method: 'POST', url: `/api/terminals/${id}/barrier/close`, headers });
    const ok = await close('gate-1');
    assert.is(ok.statusCode, 200, ok.body);
    assert.equal(json(ok), { terminal: 'gate-1', wasUp: true });
    assert.is(s.terminals['gate-1']!.barrierCloses, 1);
    const audited = await s.store.db.selectFrom('audit').select(['subject', 'username']).where('action', '=', 'terminal.barrier.close').execute();
    assert.equal(audited, [{ subject: 'terminal:gate-1', username: 'guard' }]);

    // A car under the boom, then a fire: refused, the reason in plain words.
    s.terminals['gate-1']!.barrierRefusal = new CommandError('REJECTED', 'a vehicle is under the barrier', { reason: 'vehicle-present' });
    const car = await close('gate-1');
    assert.is(car.statusCode, 409);
    assert.equal(json(car).error, { code: 'CONFLICT', message: 'gate-1: a vehicle is under the barrier; it stays up until the vehicle has passed.' });
    s.terminals['gate-1']!.barrierRefusal = new CommandError('REJECTED', 'the fire input holds the barrier up', { reason: 'fire' });
    assert.match(json(await close('gate-1', await s.login('admin'))).error.message, /^gate-1: the fire alarm holds the barrier up/);
    assert.is(s.terminals['gate-1']!.barrierCloses, 3);
    // A terminal without a barrier, an unknown one, a bad id, a viewer.
    assert.equal(json(await close('door-1')).error, { code: 'CONFLICT', message: 'door-1: this terminal has no barrier.' });
    assert.is(json(await close('nope')).error.code, 'NOT_FOUND');
    assert.is((await close('a%2Fb')).statusCode, 400);
    assert.is((await close('gate-1', await s.login('viewer'))).statusCode, 403);
    assert.is(s.terminals['gate-1']!.barrierCloses, 3);
  } finally {
    await s.close();
  }
});

test.run();
