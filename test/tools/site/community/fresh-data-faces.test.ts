/**
 * Fresh data from a real face, end to end: the site server (`runSite`, its fleet, galleries
 * and community service on one fake clock) and two whole sim terminals (real models, demo
 * photos as the camera's frames) at a building's in and out doors, each on its own fake
 * clock. A stranger's `face.stranger` events carry the template sealed to the site's key;
 * the site clusters them into one anonymous identity and, after six nights, the
 * frequently-appears task finds it with its building. Confirmed over the API (registered
 * to a unit, with consent), the captured templates are enrolled at the doors, and the
 * face is then granted as the new person; a resident absent for days, confirmed moved
 * out, is taken off the doors and their face is denied. The fleet stamps its commands on
 * the site's clock (`Fleet.connect({ now })`), so terminals days ahead accept them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Fleet, FleetEvent } from '@limen/sdk';
import { strangerKeyPairFromSecret, topics } from '@limen/sdk/protocol';
import { FakeClock } from '../../../../hal/sim/fake-clock.js';
import { defaultConfig } from '../../../../firmware/config/index.js';
import { silentLogger } from '../../../../firmware/log.js';
import { Terminal } from '../../../../firmware/terminal.js';
import { runSite } from '../../../../tools/site/cli.js';
import { addResidency, createPerson, createStaff, createUnit, createZone, placeTerminal } from '../../../../tools/site/store/index.js';
import { startAedes } from '../../../sdk/helpers/brokers.js';
import { guard } from '../../../sdk/helpers/wait.js';
import { facesOf, portraitPhoto } from '../../../firmware/face/frames.js';
import { framePusher, walkAway, walkUp } from '../../../firmware/face/door-harness.js';
import { closeSharedEngine, sharedEngine } from '../../../firmware/vision/fixtures.js';
import { seenOnline } from '../../../firmware/fleet/helpers/whole-terminals.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const SECRET = Buffer.alloc(32, 11);
const PASSWORD = 'a long enough password';
const STRANGER = [1, 0] as const;
const BOB = [3, 0] as const;

test('a real face at the building doors on six nights is found, confirmed over the API and then granted; a resident confirmed moved out is denied', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-fresh-faces-'));
  writeFileSync(join(dir, 'site.key'), SECRET.toString('hex') + '\n', { mode: 0o600 });
  const broker = await startAedes();
  // Day 0 starts at the next midnight (UTC): every clock only moves forward from the real time.
  const R = Date.now();
  const T0 = Math.ceil(R / DAY) * DAY;
  const siteClock = new FakeClock(R);
  let unitId = 0;
  let buildingId = 0;
  const site = await runSite(
    {
      database: join(dir, 'site.db'),
      secretFile: join(dir, 'site.key'),
      port: 0,
      console: false,
      fleet: broker.url,
      site: 'demo',
      clock: siteClock,
      prepare: async (store) => {
        const root = await createZone(store.db, { parentId: null, kind: 'community', name: 'Maple Court' });
        const building = await createZone(store.db, { parentId: root.id, kind: 'building', name: 'Building 1' });
        buildingId = building.id;
        unitId = (await createUnit(store.db, { zoneId: building.id, kind: 'flat', label: '1-101' })).id;
        await placeTerminal(store.db, { id: 'door-in', zoneId: building.id, role: 'building-door', direction: 'in' });
        await placeTerminal(store.db, { id: 'door-out', zoneId: building.id, role: 'building-door', direction: 'out' });
        await createPerson(store.db, SECRET, { id: 'bob', name: 'Bob Example' }, R - 60 * DAY);
        await addResidency(store.db, { personId: 'bob', unitId, role: 'tenant', moveIn: R - 60 * DAY });
        await createStaff(store.db, { username: 'boss', role: 'admin', password: PASSWORD });
      },
    },
    () => undefined,
  );
  const fleet: Fleet = site.fleet!;
  const { store } = site;
  const base = site.url.replace(/\/$/, '');
  let session: { cookie: string; csrf: string } | undefined;
  const call = async (method: string, path: string, body?: unknown) => {
    // The server's clock is the fake one: a session ends after days have passed.
    if (!session || (await fetch(`${base}/api/me`, { headers: { cookie: session.cookie } })).status === 401) {
      const r = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'boss', password: PASSWORD }) });
      assert.is(r.status, 200);
      session = { cookie: r.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), csrf: ((await r.json()) as { csrfToken: string }).csrfToken };
    }
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const json = (await r.json()) as any;
    assert.is(r.status, 200, `${method} ${path}: ${JSON.stringify(json)}`);
    return json;
  };
  const engine = await sharedEngine();
  const open = async (id: string) => {
    const clock = new FakeClock(R);
    const online = seenOnline(fleet, id);
    const config = defaultConfig(id, {
      store: { path: join(dir, `${id}.db`) },
      face: { enabled: true, strangerTemplateKey: strangerKeyPairFromSecret(SECRET).publicKey },
      fleet: { url: broker.url, site: 'demo', healthIntervalMs: 3_600_000 },
    });
    const terminal = await Terminal.open({ config, clock, logger: silentLogger(), faceEngine: engine });
    assert.is((await terminal.face!.whenReady()).state, 'running');
    await guard(online, `${id} online`);
    return { id, terminal, clock, push: framePusher(terminal.face!, terminal.board.sim.camera!) };
  };
  const doors = { in: await open('door-in'), out: await open('door-out') };
  // Watches the site's commands to the doors and their replies: gallery updates go out after the API answers.
  const spy = await mqtt.connectAsync(broker.url, { clientId: 'spy', reconnectPeriod: 0 });
  const requests = new Map<string, { topic: string; body: any }>();
  const replied: Array<(r: { topic: string; body: any; ok: boolean }) => void> = [];
  spy.on('message', (topic, payload) => {
    const m = JSON.parse(payload.toString()) as { id?: string; re?: string; ok?: boolean; body?: unknown };
    if (m.re === undefined) requests.set(m.id!, { topic, body: m.body });
    else if (requests.has(m.re)) for (const f of [...replied]) f({ ...requests.get(m.re)!, ok: m.ok === true });
  });
  await spy.subscribeAsync(['door-in', 'door-out'].flatMap((t) => [`${topics.reply('demo', t, fleet.clientId).replace(/reply\/[^/]+$/, 'cmd/+')}`, topics.reply('demo', t, fleet.clientId)]), { qos: 1 });
  /** Resolves when `door` answered OK a `command` whose body `matches`. */
  const answered = (door: string, command: string, matches: (body: any) => boolean) =>
    guard(
      new Promise<void>((resolve) => {
        const f = (r: { topic: string; body: any; ok: boolean }) => {
          if (r.ok && r.topic === topics.command('demo', door, command) && matches(r.body)) (replied.splice(replied.indexOf(f), 1), resolve());
        };
        replied.push(f);
      }),
      `${command} answered by ${door}`,
    );
  try {
    const stranger = (await facesOf(STRANGER[0]))[STRANGER[1]]!;
    const bob = (await facesOf(BOB[0]))[BOB[1]]!;
    const eventFrom = (door: typeof doors.in, type: string) =>
      new Promise<FleetEvent>((resolve) => {
        const off = fleet.onEvent((e) => {
          if (e.terminal === door.id && e.type === type) (off(), resolve(e));
        });
      });
    /** `n` of demo photo `face` passes `door` at `at` (its clock moved there); resolves once the site has the `type` event. */
    const pass = async (door: typeof doors.in, at: number, n: 1 | 3, face: typeof bob, type: string) => {
      const got = eventFrom(door, type);
      door.clock.advance(at - door.clock.now());
      await walkUp(door.push, door.clock, n, face);
      await walkAway(door.push, door.clock);
      const e = await guard(got, `${type} from ${door.id}`);
      assert.ok(e.ts >= at && e.ts < at + HOUR, 'stamped on the terminal’s clock');
      await fleet.idle();
      await site.community.idle();
      return e;
    };

    // Bob, a resident, has his face enrolled at his building's doors, and passes once.
    const enrolled = await call('POST', '/api/persons/bob/face', { photo: { mime: 'image/jpeg', data: (await portraitPhoto(BOB[0], bob)).toString('base64') }, consent: true });
    assert.equal(enrolled.results.map((r: { terminal: string; ok: boolean; face: boolean }) => [r.terminal, r.ok, r.face]).sort(), [['door-in', true, true], ['door-out', true, true]]);
    const granted = await pass(doors.in, R + 60_000, BOB[0], bob, 'access.granted');
    assert.is(granted.personId, 'bob');
    // Then he is gone: no passage for five days makes him persistently absent.
    await call('PUT', '/api/community/settings', { absence: { defaultDays: 5, perListDays: {} } });

    for (let d = 0; d < 6; d++) {
      await pass(doors.in, T0 + d * DAY + 20 * HOUR, STRANGER[0], stranger, 'face.stranger');
      await pass(doors.out, T0 + (d + 1) * DAY + 8 * HOUR, STRANGER[0], stranger, 'face.stranger');
    }
    const identities = await store.db.selectFrom('anon_identities').selectAll().execute();
    assert.is(identities.length, 1, 'one face, one identity');
    const sightings = await store.db.selectFrom('anon_sightings').selectAll().orderBy('at').execute();
    assert.is(sightings.length, 12);
    assert.equal([...new Set(sightings.map((s) => `${s.terminal_id}:${s.direction}:${s.zone_id}`))].sort(), [`door-in:in:${buildingId}`, `door-out:out:${buildingId}`]);
    // The records keep the stranger events, never the template.
    for (const e of await store.db.selectFrom('events').select('data').where('type', '=', 'face.stranger').execute()) assert.not.match(e.data ?? '', /template/);

    siteClock.advance(T0 + 6 * DAY + 12 * HOUR - siteClock.now());
    await site.community.idle();
    // The daily run fired while the clock moved; run once more now and read the queue.
    await call('POST', '/api/community/tasks/run');
    const queue = (await call('GET', '/api/community/findings?state=open')).findings as Array<{ id: number; kind: string; subject: string; likelyZoneId: number | null; detail: { distinctDays?: number } }>;
    const frequent = queue.filter((f) => f.kind === 'frequent');
    assert.is(frequent.length, 1, JSON.stringify(queue));
    assert.is(frequent[0]!.subject, identities[0]!.id);
    assert.is(frequent[0]!.likelyZoneId, buildingId);
    assert.is(frequent[0]!.detail.distinctDays, 6);
    const absent = queue.filter((f) => f.kind === 'absent');
    assert.equal(absent.map((f) => f.subject), ['bob']);

    // The doors' clocks catch up with the site's (commands carry the site's time).
    for (const door of [doors.in, doors.out]) door.clock.advance(siteClock.now() - door.clock.now());

    // Confirmed: a new tenant of 1-101, their captured faces enrolled at the building's doors.
    const listed = (body: any) => body.persons?.some((p: { id: string; faces?: unknown }) => p.id.startsWith('p-') && p.faces === undefined);
    const galleriesDone = Promise.all([answered('door-in', 'persons.upsert', listed), answered('door-out', 'persons.upsert', listed)]);
    const confirmed = await call('POST', `/api/community/findings/${frequent[0]!.id}/confirm`, {
      unitId,
      role: 'tenant',
      name: 'Carol New',
      consent: { givenAt: new Date(siteClock.now()).toISOString(), method: 'signed-form', reference: 'form 17' },
    });
    assert.equal(confirmed.terminals.map((t: { terminal: string; ok: boolean }) => [t.terminal, t.ok]).sort(), [['door-in', true], ['door-out', true]]);
    const carol = confirmed.personId as string;
    assert.match(carol, /^p-/);
    await galleriesDone;
    // Passes from here on keep the door's clock within seconds of the site's.
    siteClock.advance(60_000);
    const welcome = await pass(doors.in, siteClock.now(), STRANGER[0], stranger, 'access.granted');
    assert.is(welcome.personId, carol);
    assert.ok(doors.in.terminal.board.sim.doorRelay!.state, 'the door opens for the new resident');

    // Bob confirmed moved out: the galleries take him off the doors.
    const removed = answered('door-in', 'persons.remove', (body) => body.ids?.includes('bob'));
    const moved = await call('POST', `/api/community/findings/${absent[0]!.id}/confirm`, null);
    assert.is(moved.personId, 'bob');
    await removed;
    assert.is(doors.in.terminal.access.repository.getPerson('bob'), undefined);
    siteClock.advance(60_000);
    const denied = await pass(doors.in, siteClock.now(), BOB[0], bob, 'face.stranger');
    assert.is(denied.result, 'denied');
    // Bob's erasure left his earlier grant under a pseudonym; the only grant since is Carol's.
    const grants = doors.in.terminal.store.events.query({ type: 'access.granted' }).map((e) => e.personId);
    assert.is(grants.length, 2, JSON.stringify(grants));
    assert.is(grants[1], carol);
    assert.ok(!grants.includes('bob'));
    assert.not.ok(doors.in.terminal.board.sim.doorRelay!.state, 'the door stays shut for Bob');
  } finally {
    await spy.endAsync(true);
    await doors.in.terminal.close();
    await doors.out.terminal.close();
    await site.stop();
    await broker.close();
    await closeSharedEngine();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
