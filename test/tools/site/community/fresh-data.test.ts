/**
 * Fresh data on the site, through the real stack (fleet agents on aedes, the SDK, the
 * site server on SQLite): strangers' sealed templates become anonymous identities with
 * sightings, the two standing tasks fill the review queue, confirm / reject with
 * suppression and audit, retention on a fake clock, and the register's export / import.
 * Templates here are synthetic unit vectors (the real-face path is in the e2e test).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Fleet } from '@limen/sdk';
import { sealStrangerTemplate, strangerKeyPairFromSecret } from '@limen/sdk/protocol';
import { startIngest } from '../../../../tools/site/ingest.js';
import { buildSiteServer } from '../../../../tools/site/server/index.js';
import { startCommunity } from '../../../../tools/site/community/service.js';
import { galleries as siteGalleries } from '../../../../tools/site/galleries.js';
import { addResidency, createPerson, createStaff, createUnit, createZone, listAudit, openSiteStore, placeTerminal } from '../../../../tools/site/store/index.js';
import { startAedes } from '../../../sdk/helpers/brokers.js';
import { startTerminal, type TestTerminal } from '../../../sdk/helpers/terminal.js';
import { guard } from '../../../sdk/helpers/wait.js';
import { FakeClock } from '../../../../hal/sim/fake-clock.js';
import { DEFAULT_ABSENCE_SETTINGS } from '../../../../tools/site/community/tasks.js';
import { FaceSnapshots, purgeSnapshotsBefore, sealedTemplateCodec, Store } from '../../../../firmware/store/index.js';
import { facesOf } from '../../../firmware/face/frames.js';
import { closeSharedEngine, cropAround, demoPhoto } from '../../../firmware/vision/fixtures.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const SECRET = Buffer.alloc(32, 3);
const PASSWORD = 'a long enough password';
const site = strangerKeyPairFromSecret(SECRET);

/** A unit vector near `base` (a person's face seen again: a little noise). */
function face(seed: number, noise = 0, jitter = 1): Float32Array {
  let s = seed * 9973 + jitter * 31;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const base = new Float32Array(512);
  let x = seed;
  for (let i = 0; i < 512; i++) base[i] = Math.sin((i + 1) * (x += 0.37));
  const v = base.map((b) => b + noise * rnd());
  const n = Math.hypot(...v);
  return v.map((b) => b / n);
}

function acked(t: TestTerminal, through: number): Promise<void> {
  return guard(
    new Promise<void>((resolve) => {
      if (t.events.ackedSeq() >= through) return resolve();
      const off = t.events.acks.add((seq) => {
        if (seq >= through) {
          off();
          resolve();
        }
      });
    }),
    `ack through ${through}`,
  );
}

async function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'limen-fresh-data-'));
  const dbPath = join(dir, 'site.db');
  const store = await openSiteStore(dbPath);
  // Day 0 is 2025-03-03 00:00 UTC; the site's clock is fake, events carry their own times.
  const T0 = Date.UTC(2025, 2, 3);
  const clock = new FakeClock(T0);
  const community0 = await createZone(store.db, { parentId: null, kind: 'community', name: 'Maple Court' });
  const building = await createZone(store.db, { parentId: community0.id, kind: 'building', name: 'Building 1' });
  const unit = await createUnit(store.db, { zoneId: building.id, kind: 'flat', label: '1-101' });
  await placeTerminal(store.db, { id: 'door-in', zoneId: building.id, role: 'building-door', direction: 'in' });
  await placeTerminal(store.db, { id: 'door-out', zoneId: building.id, role: 'building-door', direction: 'out' });
  await createPerson(store.db, SECRET, { id: 'alice', name: 'Alice Chen' }, T0 - 60 * DAY);
  await addResidency(store.db, { personId: 'alice', unitId: unit.id, role: 'owner', moveIn: T0 - 60 * DAY });
  await createStaff(store.db, { username: 'reg', role: 'registrar', password: PASSWORD });
  await createStaff(store.db, { username: 'boss', role: 'admin', password: PASSWORD });
  await createStaff(store.db, { username: 'guard', role: 'guard', password: PASSWORD });
  const broker = await startAedes();
  // Each door keeps its face snapshots sealed in its own store, as a terminal does.
  const terminalStores: Store[] = [];
  const snapshotStore = (id: string) => {
    const key = randomBytes(32);
    const s = Store.open({ path: ':memory:', terminalId: id, clock, templateCodec: sealedTemplateCodec(key) });
    terminalStores.push(s);
    return new FaceSnapshots(s, key);
  };
  const snaps = { 'door-in': snapshotStore('door-in'), 'door-out': snapshotStore('door-out') };
  const doorIn = startTerminal(broker, { site: 'demo', id: 'door-in', faceSnapshots: snaps['door-in'] });
  const doorOut = startTerminal(broker, { site: 'demo', id: 'door-out', faceSnapshots: snaps['door-out'] });
  const fleet = await Fleet.connect({ url: broker.url, site: 'demo' });
  const ingest = startIngest({ store, fleet });
  const galleries = siteGalleries({ store, fleet, now: () => clock.now() });
  const community = await startCommunity({ store, secret: SECRET, fleet, clock });
  const app = await buildSiteServer({ store, secret: SECRET, fleet, ingest, community, now: () => clock.now(), onPersonChanged: (id) => galleries.reconcilePersons([id]) });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  await fleet.whenConsuming();
  await Promise.all([doorIn.agent.whenConnected(), doorOut.agent.whenConnected()]);
  const sessions = new Map<string, { cookie: string; csrf: string }>();
  const call = async (user: string, method: string, path: string, body?: unknown) => {
    let s = sessions.get(user);
    // The server's clock is the fake one: a session ends after days have passed.
    if (!s || (await fetch(`${base}/api/me`, { headers: { cookie: s.cookie } })).status === 401) {
      const r = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user, password: PASSWORD }) });
      assert.is(r.status, 200);
      s = { cookie: r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), csrf: ((await r.json()) as { csrfToken: string }).csrfToken };
      sessions.set(user, s);
    }
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const bytes = Buffer.from(await r.arrayBuffer());
    const text = bytes.toString('utf8');
    return { status: r.status, text, bytes, contentType: r.headers.get('content-type'), json: (() => { try { return JSON.parse(text) as any; } catch { return null; } })() };
  };
  /**
   * A stranger at a door at time `at`, the template sealed to the site key as a terminal does;
   * with `jpeg`, the door keeps it as the event's face snapshot and the event names it.
   */
  const stranger = async (t: TestTerminal, template: Float32Array, at: number, jpeg?: Buffer) => {
    const door = t === doorIn ? 'door-in' : 'door-out';
    const snapshotId = jpeg ? snaps[door].add({ jpeg, ts: at }).id : undefined;
    const data = { score: 0.1, liveness: 0.9, template: sealStrangerTemplate(site.publicKey, template, 'faceplugin-0.0.1'), ...(snapshotId && { snapshotId }) };
    const e = t.events.append({ type: 'face.stranger', result: 'denied', reason: 'stranger', ts: at, data });
    await acked(t, e.seq);
  };
  const close = async () => {
    community.stop();
    await app.close();
    ingest.stop();
    await fleet.close();
    await doorIn.agent.stop();
    await doorOut.agent.stop();
    await broker.close();
    await store.close();
    for (const s of terminalStores) s.close();
    rmSync(dir, { recursive: true, force: true });
  };
  /** The daily job may have run while the clock advanced: run the tasks now too and read the open queue. */
  const openFindings = async () => {
    await community.idle();
    const run = await call('reg', 'POST', '/api/community/tasks/run');
    assert.is(run.status, 200, run.text);
    const list = await call('reg', 'GET', '/api/community/findings?state=open');
    assert.is(list.status, 200, list.text);
    return list.json.findings as Array<{ id: number; kind: string; subject: string; likelyZoneId: number | null; detail: Record<string, any>; personName?: string }>;
  };
  return { dir, dbPath, store, clock, T0, unit, building, doorIn, doorOut, snaps, terminalStores, community, call, stranger, openFindings, close };
}

/** Bob sleeps here: in at 20:00, out at 08:00, on `nights` nights from day 0. */
async function bobSleepsHere(s: Awaited<ReturnType<typeof setUp>>, nights: number) {
  for (let d = 0; d < nights; d++) {
    await s.stranger(s.doorIn, face(7, 0.3, d * 2), s.T0 + d * DAY + 20 * HOUR);
    await s.stranger(s.doorOut, face(7, 0.3, d * 2 + 1), s.T0 + (d + 1) * DAY + 8 * HOUR);
  }
}

test('strangers become anonymous identities with sightings; templates sealed at rest, never in the records or the API', async () => {
  const s = await setUp();
  try {
    await bobSleepsHere(s, 2);
    await s.stranger(s.doorIn, face(99, 0.3), s.T0 + 5 * HOUR);
    const ids = await s.store.db.selectFrom('anon_identities').selectAll().orderBy('first_seen').execute();
    assert.is(ids.length, 2, 'two people, two identities');
    const sightings = await s.store.db.selectFrom('anon_sightings').selectAll().where('identity_id', '=', ids[1]!.id).orderBy('at').execute();
    assert.is(sightings.length, 4);
    assert.equal(
      sightings.map((x) => [x.terminal_id, x.direction, x.zone_id]),
      [['door-in', 'in', s.building.id], ['door-out', 'out', s.building.id], ['door-in', 'in', s.building.id], ['door-out', 'out', s.building.id]],
    );
    // The records keep the stranger event without its template.
    const stored = await s.store.db.selectFrom('events').select('data').where('type', '=', 'face.stranger').execute();
    assert.is(stored.length, 5);
    for (const e of stored) assert.not.match(e.data ?? '', /template/);
    // The API shows sightings, never a vector.
    const view = await s.call('reg', 'GET', `/api/community/identities/${ids[1]!.id}`);
    assert.is(view.status, 200, view.text);
    assert.is(view.json.sightings.length, 4);
    assert.is(view.json.bestSnapshot, null, 'no stranger event here named a face snapshot');
    assert.not.match(view.text, /centroid|template/);
    assert.is((await listAudit(s.store.db, { action: 'community.identity-read' }))[0]?.subject, `identity:${ids[1]!.id}`);
    // At rest only ciphertext: no 32-byte window of a sighting's vector in the database file or its WAL.
    const plain = Buffer.from(face(7, 0.3, 0).buffer);
    const files = [readFileSync(s.dbPath), readFileSync(`${s.dbPath}-wal`)];
    for (const f of files) for (let i = 0; i + 32 <= plain.length; i += 64) assert.is(f.indexOf(plain.subarray(i, i + 32)), -1);
    const raw = (await s.store.db.selectFrom('anon_templates').select('template').executeTakeFirstOrThrow()).template;
    assert.is(Buffer.from(raw, 'base64').length, 12 + 16 + 2048, 'iv, tag and the sealed float32 vector');
  } finally {
    await s.close();
  }
});

test("an identity's best sighting's face snapshot comes from its terminal on demand, for register keepers only, audited, never stored on the site; SNAPSHOT_GONE once the terminal's retention took it", async () => {
  const s = await setUp();
  try {
    // Real faces (the face-api demo photos), cut as a terminal's snapshot would be.
    const photo = async (n: 3 | 5) => cropAround(await demoPhoto(n), (await facesOf(n))[0]!, { scale: 1.6, width: 120, jpegQuality: 70 });
    const [first, best] = [await photo(3), await photo(5)];
    // Bob starts his identity with one snapshot (similarity -1), joins it again with another,
    // then once more without one: the joining sighting's is the best.
    await s.stranger(s.doorIn, face(7, 0.3, 0), s.T0 + 20 * HOUR, first);
    await s.stranger(s.doorOut, face(7, 0.3, 1), s.T0 + DAY + 8 * HOUR, best);
    await s.stranger(s.doorIn, face(7, 0.3, 2), s.T0 + DAY + 20 * HOUR);
    await s.stranger(s.doorIn, face(99, 0.3), s.T0 + 5 * HOUR);
    await s.community.idle();
    const [nobody, bob] = await s.store.db.selectFrom('anon_identities').select('id').orderBy('first_seen').execute();
    const view = await s.call('reg', 'GET', `/api/community/identities/${bob!.id}`);
    assert.is(view.status, 200, view.text);
    assert.equal(view.json.sightings.map((x: { hasSnapshot: boolean }) => x.hasSnapshot), [false, true, true]);
    assert.equal([view.json.bestSnapshot.terminal, view.json.bestSnapshot.at], ['door-out', s.T0 + DAY + 8 * HOUR]);

    const got = await s.call('reg', 'GET', `/api/community/identities/${bob!.id}/snapshot`);
    assert.is(got.status, 200, got.text);
    assert.is(got.contentType, 'image/jpeg');
    assert.ok(got.bytes.equals(best), "the best sighting's picture, as the terminal kept it");
    const audited = await listAudit(s.store.db, { action: 'community.identity-snapshot' });
    assert.equal([audited.length, audited[0]?.subject], [1, `identity:${bob!.id}`]);
    // Not a copy on the site: no window of the picture in its database or WAL.
    for (const f of [readFileSync(s.dbPath), readFileSync(`${s.dbPath}-wal`)]) assert.is(f.indexOf(best.subarray(best.length / 2, best.length / 2 + 48)), -1);

    assert.is((await s.call('guard', 'GET', `/api/community/identities/${bob!.id}/snapshot`)).status, 403, 'a guard does not keep the register');
    const none = await s.call('reg', 'GET', `/api/community/identities/${nobody!.id}/snapshot`);
    assert.equal([none.status, none.json.error.code], [404, 'NOT_FOUND'], 'a sighting without a snapshot');
    assert.is((await s.call('reg', 'GET', '/api/community/identities/anon-00000000-0000-0000-0000-000000000000/snapshot')).status, 404);
    assert.is((await s.call('reg', 'GET', '/api/community/identities/x/snapshot')).status, 400);

    // The door's retention deletes its snapshots: the site says so, with its own code.
    for (const t of s.terminalStores) purgeSnapshotsBefore(t, s.T0 + 30 * DAY);
    const gone = await s.call('reg', 'GET', `/api/community/identities/${bob!.id}/snapshot`);
    assert.equal([gone.status, gone.json.error.code], [404, 'SNAPSHOT_GONE'], gone.text);
  } finally {
    await s.close();
  }
});

test("when the best sighting's snapshot is gone from its terminal, the next sighting's in order of preference comes instead (each try audited, at most 5), and only then SNAPSHOT_GONE", async () => {
  const s = await setUp();
  try {
    const photo = async (n: 3 | 5) => cropAround(await demoPhoto(n), (await facesOf(n))[0]!, { scale: 1.6, width: 120, jpegQuality: 70 });
    const [older, best] = [await photo(3), await photo(5)];
    // Bob starts his identity with a snapshot at the in-door and joins it with one at the out-door.
    await s.stranger(s.doorIn, face(7, 0.3, 0), s.T0 + 20 * HOUR, older);
    await s.stranger(s.doorOut, face(7, 0.3, 1), s.T0 + DAY + 8 * HOUR, best);
    await s.community.idle();
    const [bob] = await s.store.db.selectFrom('anon_identities').select('id').execute();
    const snapshotOf = async (terminal: string) =>
      (await s.store.db.selectFrom('anon_sightings').select('snapshot_id').where('identity_id', '=', bob!.id).where('terminal_id', '=', terminal).executeTakeFirstOrThrow()).snapshot_id!;
    const url = `/api/community/identities/${bob!.id}/snapshot`;
    const reads = async () => (await listAudit(s.store.db, { action: 'community.identity-snapshot' })).map((a) => [a.detail?.terminal, a.detail?.gone ?? false]).reverse();

    // The out-door erased the best one (its own eviction): the in-door's older picture comes.
    s.snaps['door-out'].delete(await snapshotOf('door-out'));
    const got = await s.call('reg', 'GET', url);
    assert.is(got.status, 200, got.text);
    assert.ok(got.bytes.equals(older), "the next sighting's picture");
    assert.equal((await reads()).sort(), [['door-in', false], ['door-out', true]]);

    // Both gone: only now SNAPSHOT_GONE.
    s.snaps['door-in'].delete(await snapshotOf('door-in'));
    const gone = await s.call('reg', 'GET', url);
    assert.equal([gone.status, gone.json.error.code], [404, 'SNAPSHOT_GONE'], gone.text);

    // Bounded: with more sightings than that, all gone, the route asks the terminals five times.
    for (let k = 2; k < 8; k++) await s.stranger(k % 2 ? s.doorOut : s.doorIn, face(7, 0.3, k), s.T0 + DAY + (9 + k) * HOUR, older);
    await s.community.idle();
    assert.is((await s.store.db.selectFrom('anon_sightings').select('id').where('identity_id', '=', bob!.id).where('snapshot_id', 'is not', null).execute()).length, 8);
    for (const t of s.terminalStores) purgeSnapshotsBefore(t, s.T0 + 30 * DAY);
    const before = (await reads()).length;
    const bounded = await s.call('reg', 'GET', url);
    assert.equal([bounded.status, bounded.json.error.code], [404, 'SNAPSHOT_GONE'], bounded.text);
    const tries = (await reads()).slice(before);
    assert.is(tries.length, 5);
    assert.ok(tries.every(([, wasGone]) => wasGone === true));
  } finally {
    await s.close();
  }
});

test('the tasks open findings; confirm registers the person with their templates and consent, audited; move-out revokes', async () => {
  const s = await setUp();
  try {
    await bobSleepsHere(s, 6);
    s.clock.advance(12 * DAY);
    const open = await s.openFindings();
    assert.equal(open.map((f) => f.kind).sort(), ['absent', 'frequent']);
    assert.is((await s.store.db.selectFrom('anon_templates').selectAll().execute()).length, 5, 'twelve sightings, the last five templates kept');
    const frequent = open.find((f) => f.kind === 'frequent')!;
    const absent = open.find((f) => f.kind === 'absent')!;
    assert.is(frequent.likelyZoneId, s.building.id);
    assert.is(absent.subject, 'alice');
    assert.is(absent.personName, 'Alice Chen');
    // Run again: nothing new while they are open.
    assert.equal((await s.call('reg', 'POST', '/api/community/tasks/run')).json.opened, []);
    assert.is((await s.openFindings()).length, 2);

    // What reached the building door (the memory gallery replaces a record whole; a real terminal keeps faces a later upsert leaves out).
    const upserts: Array<{ id: string; faces?: unknown[] }> = [];
    const gallery = s.doorIn.gallery as unknown as { upsert(p: Array<{ id: string; faces?: unknown[] }>): unknown };
    const upsert = gallery.upsert.bind(gallery);
    gallery.upsert = (p) => (upserts.push(...p), upsert(p));
    const noConsent = await s.call('reg', 'POST', `/api/community/findings/${frequent.id}/confirm`, { unitId: s.unit.id, role: 'tenant', name: 'Bob Li' });
    assert.is(noConsent.status, 400);
    assert.is(noConsent.json.error.field, 'consent');
    const reg = await s.call('reg', 'POST', `/api/community/findings/${frequent.id}/confirm`, {
      unitId: s.unit.id,
      role: 'tenant',
      name: 'Bob Li',
      consent: { givenAt: new Date(s.clock.now()).toISOString(), method: 'signed-form', reference: 'form 17' },
    });
    assert.is(reg.status, 200, reg.text);
    const bobId = reg.json.personId as string;
    // The terminals on his path got him with his captured templates as faces, each with the consent.
    assert.ok(s.doorIn.gallery.persons.has(bobId));
    const onDoor = upserts.find((p) => p.id === bobId && p.faces) as { faces: Array<{ consent: unknown; template?: unknown }> } | undefined;
    assert.ok(onDoor?.faces.length, `faces sent: ${JSON.stringify(reg.json.terminals)}`);
    for (const f of onDoor!.faces) {
      assert.ok('template' in f);
      assert.equal(f.consent, { subject: 'Bob Li', givenAt: s.clock.now(), method: 'signed-form', reference: 'form 17' });
    }
    assert.is((await s.store.db.selectFrom('anon_templates').selectAll().execute()).length, 0, 'the site keeps no face of a registered person');
    const changes = await s.call('reg', 'GET', '/api/community/changes');
    assert.equal(changes.json.rows.map((r: { kind: string; person_id: string }) => [r.kind, r.person_id]), [['registered', bobId]]);

    const out = await s.call('reg', 'POST', `/api/community/findings/${absent.id}/confirm`);
    assert.is(out.status, 200, out.text);
    const current = await s.store.db.selectFrom('residencies').selectAll().where('person_id', '=', 'alice').execute();
    assert.is(current[0]!.move_out, s.clock.now());
    const again = await s.call('reg', 'POST', `/api/community/findings/${absent.id}/confirm`);
    assert.is(again.status, 409, 'a decided finding cannot be decided again');
    const audit = await listAudit(s.store.db, {});
    const actions = audit.map((a) => a.action);
    assert.ok(actions.includes('community.confirm-register'));
    assert.ok(actions.includes('community.confirm-move-out'));
    assert.is(audit.find((a) => a.action === 'community.confirm-register')!.username, 'reg');
  } finally {
    await s.close();
  }
});

test('reject suppresses the subject for M days, then the task finds it again', async () => {
  const s = await setUp();
  try {
    s.clock.advance((DEFAULT_ABSENCE_SETTINGS.defaultDays + 1) * DAY);
    const [absent] = await s.openFindings();
    assert.is(absent!.subject, 'alice');
    const rej = await s.call('reg', 'POST', `/api/community/findings/${absent!.id}/reject`, { suppressDays: 3, note: 'on a long trip' });
    assert.is(rej.status, 200, rej.text);
    assert.is(rej.json.suppressUntil, s.clock.now() + 3 * DAY);
    s.clock.advance(2 * DAY);
    assert.equal(await s.openFindings(), [], 'suppressed');
    s.clock.advance(1 * DAY + 1);
    const back = await s.openFindings();
    assert.equal(back.map((f) => f.subject), ['alice']);
    assert.ok((await listAudit(s.store.db, { action: 'community.reject' })).length === 1);
  } finally {
    await s.close();
  }
});

test('settings: thresholds editable by admins, validated; the task follows them', async () => {
  const s = await setUp();
  try {
    const got = await s.call('reg', 'GET', '/api/community/settings');
    assert.is(got.json.absence.defaultDays, DEFAULT_ABSENCE_SETTINGS.defaultDays, 'the tasks’ defaults until an admin changes them');
    assert.is((await s.call('reg', 'PUT', '/api/community/settings', { absence: { defaultDays: 3 } })).status, 403);
    const bad = await s.call('boss', 'PUT', '/api/community/settings', { absence: { defaultDays: 0 } });
    assert.is(bad.status, 400);
    assert.is((await s.call('boss', 'PUT', '/api/community/settings', { absence: { defaultDays: 30, perListDays: { owner: 3 } } })).status, 200);
    s.clock.advance(4 * DAY);
    const opened = await s.openFindings();
    assert.equal(opened.map((f) => [f.subject, f.detail.thresholdDays]), [['alice', 3]]);
  } finally {
    await s.close();
  }
});

test('retention: identities past the period go with their sightings and templates unless promoted', async () => {
  const s = await setUp();
  try {
    await bobSleepsHere(s, 5);
    await s.stranger(s.doorIn, face(99, 0.3), s.T0 + 5 * HOUR);
    s.clock.advance(6 * DAY);
    const frequent = (await s.openFindings()).find((f) => f.kind === 'frequent')!;
    const reg = await s.call('reg', 'POST', `/api/community/findings/${frequent.id}/confirm`, {
      unitId: s.unit.id,
      role: 'tenant',
      name: 'Bob Li',
      consent: { givenAt: new Date(s.clock.now()).toISOString(), method: 'signed-form' },
    });
    assert.is(reg.status, 200, reg.text);
    const passerBy = (await s.store.db.selectFrom('anon_identities').select('id').where('promoted_person_id', 'is', null).executeTakeFirstOrThrow()).id;
    assert.is((await s.community.purge()).length, 0, 'nothing is past 30 days yet');
    s.clock.advance(26 * DAY);
    await s.community.idle();
    await s.community.purge();
    const left = await s.store.db.selectFrom('anon_identities').select(['id', 'promoted_person_id']).execute();
    assert.equal(left.map((r) => r.promoted_person_id), [reg.json.personId], 'the passer-by (day 0) is gone, the promoted identity stays');
    assert.is((await s.store.db.selectFrom('anon_sightings').selectAll().where('identity_id', '=', passerBy).execute()).length, 0);
    assert.is((await s.store.db.selectFrom('anon_templates').selectAll().where('identity_id', '=', passerBy).execute()).length, 0);
    // The daily job does the same on the clock.
    await s.stranger(s.doorIn, face(55, 0.3), s.clock.now());
    s.clock.advance(31 * DAY);
    await s.community.idle();
    assert.is((await s.store.db.selectFrom('anon_identities').selectAll().where('promoted_person_id', 'is', null).execute()).length, 0);
  } finally {
    await s.close();
  }
});

test('register export (CSV, JSON) and import: coded row errors, dry run, applied all or nothing, changes pushed', async () => {
  const s = await setUp();
  try {
    const csv = await s.call('reg', 'GET', '/api/community/register?format=csv');
    assert.is(csv.status, 200);
    assert.is(csv.text.split('\r\n')[0], 'person_id,name,id_number_masked,unit_id,unit,building,role,move_in,move_out');
    assert.match(csv.text, /alice,Alice Chen,,\d+,1-101,Building 1,owner,/);
    const bad = await s.call('reg', 'POST', '/api/community/register/import', {
      format: 'csv',
      csv: 'person_id,name,unit,role,move_in,move_out,colour\r\ncarol,Carol,9-999,tenant,2025-01-01,,red\r\n,,1-101,chief,yesterday,,\r\n',
    });
    assert.is(bad.status, 200, bad.text);
    assert.is(bad.json.applied, false);
    assert.equal(bad.json.rows[0].errors.map((e: { code: string }) => e.code).sort(), ['ROW_COLUMN_UNKNOWN', 'ROW_UNIT_UNKNOWN']);
    assert.equal(bad.json.rows[1].errors.map((e: { code: string }) => e.code).sort(), ['ROW_COLUMN_UNKNOWN', 'ROW_DATE_INVALID', 'ROW_NAME_MISSING', 'ROW_ROLE_INVALID']);
    const broken = await s.call('reg', 'POST', '/api/community/register/import', { format: 'csv', csv: 'name,unit\r\n"Carol,1-101\r\n' });
    assert.is(broken.status, 400);
    assert.is(broken.json.error.field, 'csv');

    const rows = [
      { person_id: 'carol', name: 'Carol Wu', unit: '1-101', role: 'tenant', move_in: '2025-03-01' },
      { person_id: 'alice', name: 'Alice Chen', unit: '1-101', role: 'owner', move_in: '2025-01-01', move_out: '2025-03-02' },
    ];
    const preview = await s.call('reg', 'POST', '/api/community/register/import', { format: 'json', rows, dryRun: true });
    assert.equal(preview.json.summary, { register: 1, moveOut: 1, unchanged: 0, invalid: 0, missing: 0 });
    assert.is(preview.json.applied, false);
    assert.is((await s.store.db.selectFrom('persons').selectAll().where('id', '=', 'carol').execute()).length, 0, 'a dry run changes nothing');
    // Alice is on the doors before (placed by the galleries); the import takes her off.
    await s.call('reg', 'POST', '/api/community/register/import', { format: 'json', rows: [{ person_id: 'alice', name: 'Alice Chen', unit: '1-101', role: 'owner' }] });
    const applied = await s.call('reg', 'POST', '/api/community/register/import', { format: 'json', rows });
    assert.is(applied.json.applied, true, applied.text);
    assert.ok(s.doorIn.gallery.persons.has('carol'), 'the new resident is pushed to the building door');
    assert.not.ok(s.doorIn.gallery.persons.has('alice'), 'the one who moved out is taken off');
    const changes = (await s.call('reg', 'GET', '/api/community/changes?format=csv')).text;
    assert.match(changes, /registered,import,carol,Carol Wu/);
    assert.match(changes, /moved-out,import,alice,Alice Chen/);
    const exported = (await s.call('reg', 'GET', '/api/community/register')).json.rows.map((r: { person_id: string }) => r.person_id);
    assert.equal(exported, ['carol']);
  } finally {
    await s.close();
  }
});

test('register import mode replace: residents of the covered buildings no longer listed are proposed in the preview, moved out on apply, audited, taken off the doors', async () => {
  const s = await setUp();
  try {
    const root = s.building.parent_id!;
    const other = await createZone(s.store.db, { parentId: root, kind: 'building', name: 'Building 2' });
    const unit2 = await createUnit(s.store.db, { zoneId: other.id, kind: 'flat', label: '2-201' });
    const alice = { person_id: 'alice', name: 'Alice Chen', unit: '1-101', role: 'owner' };
    const dave = { person_id: 'dave', name: 'Dave Ma', unit: '1-101', role: 'tenant' };
    const erin = { person_id: 'erin', name: 'Erin Ho', unit_id: String(unit2.id), role: 'owner' };
    const first = await s.call('reg', 'POST', '/api/community/register/import', { format: 'json', rows: [alice, dave, erin] });
    assert.is(first.json.summary.register, 2, first.text);
    assert.ok(s.doorIn.gallery.persons.has('dave'), 'dave is on his building’s door');

    // Building 1's new list no longer has Dave; Building 2 is not in it, so Erin stays.
    const bad = await s.call('reg', 'POST', '/api/community/register/import', { format: 'json', rows: [alice], mode: 'wipe' });
    assert.is(bad.status, 400, bad.text);
    const merged = await s.call('reg', 'POST', '/api/community/register/import', { format: 'json', rows: [alice], dryRun: true });
    assert.equal([merged.json.mode, merged.json.missing], ['merge', []], 'merge (the default) moves nobody out');
    const preview = await s.call('reg', 'POST', '/api/community/register/import', { format: 'json', rows: [alice], mode: 'replace', dryRun: true });
    assert.is(preview.status, 200, preview.text);
    assert.equal(preview.json.missing, [{ personId: 'dave', name: 'Dave Ma', unitId: s.unit.id, unit: '1-101' }]);
    assert.is(preview.json.summary.missing, 1);
    assert.is(preview.json.applied, false);
    const live = (await s.call('reg', 'GET', '/api/community/register')).json.rows.map((r: { person_id: string }) => r.person_id).sort();
    assert.equal(live, ['alice', 'dave', 'erin'], 'a preview changes nothing');

    const applied = await s.call('reg', 'POST', '/api/community/register/import', { format: 'json', rows: [alice], mode: 'replace' });
    assert.is(applied.json.applied, true, applied.text);
    const after = (await s.call('reg', 'GET', '/api/community/register')).json.rows.map((r: { person_id: string }) => r.person_id).sort();
    assert.equal(after, ['alice', 'erin']);
    assert.not.ok(s.doorIn.gallery.persons.has('dave'), 'taken off the door');
    assert.match((await s.call('reg', 'GET', '/api/community/changes?format=csv')).text, /moved-out,import,dave,Dave Ma/);
    const audit = await listAudit(s.store.db, { action: 'community.register-import' });
    assert.equal(audit.map((a) => [a.detail?.mode, a.detail?.missing ?? null]).slice(0, 1), [['replace', [`dave@${s.unit.id}`]]]);
  } finally {
    await s.close();
  }
});

test.after(closeSharedEngine);
test.run();
