/**
 * Fresh data from a real face: two whole sim terminals (real models, a demo photo as the
 * camera's frames) at a building's in and out doors, on fake clocks, send `face.stranger`
 * events with the face's template sealed to the site's key; the site clusters them into
 * one anonymous identity and, after six nights, the frequently-appears task finds it
 * with its building. The terminals' clocks run days ahead of the real one: the SDK
 * stamps command deadlines with Date.now(), so everything the terminals need (the site's
 * key) is in their config from the start and only events flow once their clocks move.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Fleet, type FleetEvent } from '@limen/sdk';
import { FakeClock } from '../../../../hal/sim/fake-clock.js';
import { defaultConfig } from '../../../../firmware/config/index.js';
import { silentLogger } from '../../../../firmware/log.js';
import { Terminal } from '../../../../firmware/terminal.js';
import { listFindings } from '../../../../tools/site/community/review.js';
import { startCommunity } from '../../../../tools/site/community/service.js';
import { startIngest } from '../../../../tools/site/ingest.js';
import { createUnit, createZone, openSiteStore, placeTerminal } from '../../../../tools/site/store/index.js';
import { startAedes } from '../../../sdk/helpers/brokers.js';
import { guard } from '../../../sdk/helpers/wait.js';
import { facesOf } from '../../../firmware/face/frames.js';
import { framePusher, walkAway, walkUp } from '../../../firmware/face/door-harness.js';
import { closeSharedEngine, sharedEngine } from '../../../firmware/vision/fixtures.js';
import { seenOnline } from '../../../firmware/fleet/helpers/whole-terminals.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const SECRET = Buffer.alloc(32, 11);
const STRANGER = [1, 0] as const;

test('a real face at the building doors on six nights becomes one anonymous identity the frequently-appears task finds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-fresh-faces-'));
  const store = await openSiteStore(join(dir, 'site.db'));
  const root = await createZone(store.db, { parentId: null, kind: 'community', name: 'Maple Court' });
  const building = await createZone(store.db, { parentId: root.id, kind: 'building', name: 'Building 1' });
  await createUnit(store.db, { zoneId: building.id, kind: 'flat', label: '1-101' });
  await placeTerminal(store.db, { id: 'door-in', zoneId: building.id, role: 'building-door', direction: 'in' });
  await placeTerminal(store.db, { id: 'door-out', zoneId: building.id, role: 'building-door', direction: 'out' });
  const broker = await startAedes();
  const fleet = await Fleet.connect({ url: broker.url, site: 'demo' });
  const ingest = startIngest({ store, fleet });
  // Day 0 starts at the next midnight (UTC): every clock only moves forward from the real time.
  const T0 = Math.ceil(Date.now() / DAY) * DAY;
  const siteClock = new FakeClock(Date.now());
  const community = await startCommunity({ store, secret: SECRET, fleet, clock: siteClock });
  const engine = await sharedEngine();
  const open = async (id: string) => {
    const clock = new FakeClock(Date.now());
    const online = seenOnline(fleet, id);
    const config = defaultConfig(id, {
      store: { path: join(dir, `${id}.db`) },
      face: { enabled: true, strangerTemplateKey: community.keys.publicKey },
      fleet: { url: broker.url, site: 'demo', healthIntervalMs: 3_600_000 },
    });
    const terminal = await Terminal.open({ config, clock, logger: silentLogger(), faceEngine: engine });
    assert.is((await terminal.face!.whenReady()).state, 'running');
    await guard(online, `${id} online`);
    return { id, terminal, clock, push: framePusher(terminal.face!, terminal.board.sim.camera!) };
  };
  const doors = { in: await open('door-in'), out: await open('door-out') };
  try {
    const box = (await facesOf(STRANGER[0]))[STRANGER[1]]!;
    /** The stranger passes `door` at time `at` (its clock moved there); resolves once the site has the sighting. */
    const pass = async (door: typeof doors.in, at: number) => {
      const got = new Promise<FleetEvent>((resolve) => {
        const off = fleet.onEvent((e) => {
          if (e.terminal === door.id && e.type === 'face.stranger') (off(), resolve(e));
        });
      });
      door.clock.advance(at - door.clock.now());
      await walkUp(door.push, door.clock, STRANGER[0], box);
      await walkAway(door.push, door.clock);
      const e = await guard(got, `face.stranger from ${door.id}`);
      assert.ok(e.ts >= at && e.ts < at + HOUR, 'stamped on the terminal’s clock');
      await community.idle();
    };
    for (let d = 0; d < 6; d++) {
      await pass(doors.in, T0 + d * DAY + 20 * HOUR);
      await pass(doors.out, T0 + (d + 1) * DAY + 8 * HOUR);
    }
    const identities = await store.db.selectFrom('anon_identities').selectAll().execute();
    assert.is(identities.length, 1, 'one face, one identity');
    const sightings = await store.db.selectFrom('anon_sightings').selectAll().orderBy('at').execute();
    assert.is(sightings.length, 12);
    assert.equal([...new Set(sightings.map((s) => `${s.terminal_id}:${s.direction}:${s.zone_id}`))].sort(), [`door-in:in:${building.id}`, `door-out:out:${building.id}`]);
    // The records keep the stranger events, never the template.
    for (const e of await store.db.selectFrom('events').select('data').where('type', '=', 'face.stranger').execute()) assert.not.match(e.data ?? '', /template/);

    siteClock.advance(T0 + 6 * DAY + 12 * HOUR - siteClock.now());
    // The daily run fired while the clock moved; run once more now and read the queue.
    await community.runTasks();
    const queue = await listFindings(store, { state: 'open' });
    const frequent = queue.filter((f) => f.kind === 'frequent');
    assert.is(frequent.length, 1, JSON.stringify(queue));
    assert.is(frequent[0]!.subject, identities[0]!.id);
    assert.is(frequent[0]!.likelyZoneId, building.id);
    assert.is(frequent[0]!.detail.distinctDays, 6);
  } finally {
    community.stop();
    ingest.stop();
    await doors.in.terminal.close();
    await doors.out.terminal.close();
    await fleet.close();
    await broker.close();
    await store.close();
    await closeSharedEngine();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
