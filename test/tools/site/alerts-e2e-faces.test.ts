/**
 * Face alerts and webhooks end to end: `limen site` (runSite, its alert clock a fake one
 * for the webhook back-off) with a fleet on Mosquitto, beside two whole face terminals
 * (sim board, real models, the face-api demo photos, each on a fake clock pacing its
 * face tracks): gate-1 in the zone Gate, garage-1 in Garage. The stranger, spoof and
 * tailgating rules apply in Gate only.
 *
 * Ordering: the engine takes one terminal's events in order, so a tamper alarm sent after
 * the events under test is a barrier: once its alert is in, any alert those events should
 * (or should not) have raised is there too.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import type { FrameInput } from '../../../hal/sim/camera.js';
import type { SimInput } from '../../../hal/sim/input.js';
import { defaultConfig } from '../../../firmware/config/index.js';
import { enrolPerson } from '../../../firmware/face/index.js';
import { silentLogger } from '../../../firmware/log.js';
import { Terminal } from '../../../firmware/terminal.js';
import type { AlertView } from '../../../tools/site/alerts/view.js';
import { WEBHOOK_HEADERS } from '../../../tools/site/alerts/webhooks.js';
import type { RunningSite } from '../../../tools/site/cli.js';
import { createStaff, createWebhookEndpoint, getAlert, putAlertRule } from '../../../tools/site/store/index.js';
import { hasMosquitto, startMosquitto, type TestBroker } from '../../sdk/helpers/brokers.js';
import { emptyFrame, faceFrame, facesOf, portraitPhoto } from '../../firmware/face/frames.js';
import { framePusher, walkAway, walkUp, type FramePush } from '../../firmware/face/door-harness.js';
import { twoFacesFrame, type DemoFace } from '../../firmware/face/two-faces.js';
import { closeSharedEngine, sharedEngine } from '../../firmware/vision/fixtures.js';
import { seenOnline } from '../../firmware/fleet/helpers/whole-terminals.js';
import { guard } from '../../sdk/helpers/wait.js';
import { nextEvent, placeGateAndGarage, recordAlerts, rule, runAlertSite } from './helpers/alert-scenarios.js';
import { receiver } from './helpers/webhook-receiver.js';

// Demo faces (photo, index left to right), as in the terminal face tests: Alice is enrolled
// at the gate; the stranger is enrolled nowhere; Carol's face fails the liveness check.
const ALICE: DemoFace = [3, 0];
const STRANGER: DemoFace = [1, 0];
const CAROL: DemoFace = [6, 1];
const PASSWORD = 'a long enough password';

interface FaceTerminal {
  terminal: Terminal;
  clock: FakeClock;
  push: FramePush;
}

async function openFaceTerminal(id: string, dir: string, broker: TestBroker, site: RunningSite): Promise<FaceTerminal> {
  const online = seenOnline(site.fleet!, id);
  // A fake clock paces the face tracks; it starts at the real time so request deadlines hold.
  const clock = new FakeClock(Date.now());
  const config = defaultConfig(id, { store: { path: join(dir, `${id}.db`) }, face: { enabled: true }, fleet: { url: broker.url, site: 'hq', healthIntervalMs: 60_000 } });
  const terminal = await Terminal.open({ config, clock, logger: silentLogger(), faceEngine: await sharedEngine() });
  const face = terminal.face!;
  assert.is((await face.whenReady()).state, 'running');
  await guard(online, `${id} online`);
  const repo = terminal.access.repository;
  const residents = repo.addGroup({ id: 'residents', name: 'Residents', scheduleId: null });
  for (const [personId, f] of [['alice', ALICE], ['carol', CAROL]] as const) {
    repo.addPerson({ id: personId, name: personId, groupIds: [residents.id] });
    const enrolled = await enrolPerson(terminal.store, face.gallery!, face.engine!, { personId, images: [await portraitPhoto(f[0], (await facesOf(f[0]))[f[1]]!)], consent: true });
    assert.equal(enrolled.warnings, []);
  }
  return { terminal, clock, push: framePusher(face, terminal.board.sim.camera!) };
}

async function start() {
  const dir = mkdtempSync(join(tmpdir(), 'limen-alerts-faces-'));
  const broker = await startMosquitto();
  const clock = new FakeClock(Date.now());
  const flaky = await receiver((n) => n <= 3);
  const broken = await receiver(() => true);
  const secrets: Record<string, string> = {};
  const zones = { gate: 0, garage: 0 };
  const site = await runAlertSite(dir, broker.url, clock, async (store) => {
    await createStaff(store.db, { username: 'root', role: 'admin', password: PASSWORD });
    Object.assign(zones, await placeGateAndGarage(store.db));
    for (const [id, r] of [['flaky', flaky], ['broken', broken]] as const) secrets[id] = (await createWebhookEndpoint(store.db, id, r.url, clock.now())).secret;
    for (const trigger of ['stranger', 'spoof', 'tailgating'] as const) await putAlertRule(store.db, trigger, rule({ trigger, zones: [zones.gate] }), null);
    // The barrier: a tamper alarm alerts anywhere.
    await putAlertRule(store.db, 'tamper', rule({ trigger: 'tamper' }), null);
    await putAlertRule(store.db, 'fire', rule({ trigger: 'fire', terminals: ['gate-1'], actions: { popup: true, webhooks: ['flaky', 'broken'], mqtt: false } }), null);
  });
  const { alerts, alertCount } = recordAlerts(site.alerts!);
  const terminals = {
    gate: await openFaceTerminal('gate-1', dir, broker, site),
    garage: await openFaceTerminal('garage-1', dir, broker, site),
  };
  await site.fleet!.whenConsuming();
  const stop = async () => {
    for (const t of Object.values(terminals)) await t.terminal.close().catch(() => undefined);
    await site.stop();
    await broker.close();
    flaky.server.close();
    broken.server.close();
    await closeSharedEngine();
    rmSync(dir, { recursive: true, force: true });
  };
  return { site, clock, zones, terminals, alerts, alertCount, flaky, broken, secrets, stop };
}

type Ctx = Awaited<ReturnType<typeof start>>;

/** Presses and releases a sim input on the terminal's fake clock (past its debounce), waiting for both events. */
async function toggle(t: FaceTerminal, which: SimInput | undefined, on: string, off: string): Promise<void> {
  for (const [type, press] of [[on, true], [off, false]] as const) {
    const stored = nextEvent(t.terminal, type);
    if (press) which!.press();
    else which!.release();
    t.clock.advance(200);
    await stored;
  }
}

/** The barrier: a tamper alarm at `t`, resolved once its alert is in. */
async function barrier(c: Ctx, t: FaceTerminal): Promise<void> {
  const from = c.alerts.length;
  const id = t.terminal.config.terminal.id;
  await toggle(t, t.terminal.board.sim.tamper, 'alarm.tamper', 'alarm.tamper-cleared');
  await alertSince(c, from, (a) => a.ruleId === 'tamper' && a.terminal === id);
}

/** Resolves with the first alert raised since index `from` that `pick` picks (others may come first). */
async function alertSince(c: Ctx, from: number, pick: (a: AlertView) => boolean): Promise<AlertView> {
  for (let n = from + 1; ; n++) {
    const hit = c.alerts.slice(from).find(pick);
    if (hit) return hit;
    await c.alertCount(n);
  }
}

const since = (c: Ctx, from: number) => c.alerts.slice(from).map((a) => [a.ruleId, a.terminal]);

/** A person walks up to the camera and away again (a new face track each time). */
async function visit(t: FaceTerminal, f: DemoFace): Promise<void> {
  await walkUp(t.push, t.clock, f[0], (await facesOf(f[0]))[f[1]]!);
  await walkAway(t.push, t.clock);
}

/** The faces in `frames` walk up (66 ms apart), open the door with Alice's face, pass, and it closes. */
async function pass(t: FaceTerminal, frames: (i: number) => Promise<FrameInput>): Promise<void> {
  const grants = t.terminal.store.events.query({ type: 'access.granted' }).length;
  for (let i = 0; i < 5; i++) {
    await t.push(await frames(i));
    t.clock.advance(66);
  }
  assert.is(t.terminal.store.events.query({ type: 'access.granted' }).length, grants + 1, 'one grant');
  const sim = t.terminal.board.sim;
  sim.doorContact!.press();
  t.clock.advance(100);
  await t.push(await frames(5));
  t.clock.advance(1_100);
  await t.push(emptyFrame());
  const closed = nextEvent(t.terminal, 'door.closed');
  sim.doorContact!.release();
  t.clock.advance(100);
  await closed;
  // Past the unlock time: relocked, and every track of this pass has ended.
  t.clock.advance(10_000);
  await t.push(emptyFrame());
}

let c: Ctx;

if (!hasMosquitto()) {
  console.log('skipped: mosquitto not installed');
} else {
  test.before(async () => {
    c = await start();
  });
  test.after(async () => {
    await c?.stop();
  });

  /** A GET on the site as the admin. */
  const staffGet = async (ctx: typeof c, path: string) => {
    const login = await fetch(`${ctx.site.url}api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'root', password: PASSWORD }) });
    assert.is(login.status, 200);
    return fetch(`${ctx.site.url}${path}`, { headers: { cookie: login.headers.getSetCookie().map((s) => s.split(';')[0]).join('; ') } });
  };

  test('a stranger seen 10 times within 2 minutes at the gate is one stranger alert, its sightings counted up; at the garage (out of zone) none', async () => {
    const { gate, garage } = c.terminals;
    // Out of the rule's zone: twice at the garage, then the barrier there.
    let from = c.alerts.length;
    for (let i = 0; i < 2; i++) await visit(garage, STRANGER);
    assert.is(garage.terminal.store.events.query({ type: 'face.stranger' }).length, 2, 'two sightings at the garage');
    await barrier(c, garage);
    assert.equal(since(c, from), [['tamper', 'garage-1']]);

    from = c.alerts.length;
    const startedAt = gate.clock.now();
    await visit(gate, STRANGER);
    await c.alertCount(from + 1);
    const [alert] = c.alerts.slice(from);
    assert.equal([alert!.ruleId, alert!.trigger, alert!.terminal, alert!.zoneId, alert!.personId, alert!.sightings], ['stranger', 'stranger', 'gate-1', c.zones.gate, null, 1]);
    // The stranger event names the face snapshot the terminal keeps; the alert refers to it,
    // and the site opens it through the terminal on demand.
    const [first] = gate.terminal.store.events.query({ type: 'face.stranger' });
    const snapshotId = (first!.data as { snapshotId?: string }).snapshotId;
    assert.type(snapshotId, 'string');
    assert.is(alert!.snapshot, snapshotId);
    const picture = await staffGet(c, `api/alerts/${alert!.id}/snapshot`);
    assert.is(picture.status, 200);
    assert.is(picture.headers.get('content-type'), 'image/jpeg');
    assert.ok(Buffer.from(await picture.arrayBuffer()).equals(gate.terminal.snapshots!.get(snapshotId!)!), "the terminal's snapshot of the stranger");
    for (let i = 1; i < 10; i++) await visit(gate, STRANGER);
    assert.ok(gate.clock.now() - startedAt < 120_000, 'within 2 minutes');
    assert.is(gate.terminal.store.events.query({ type: 'face.stranger' }).length, 10, 'ten sightings at the gate');
    await barrier(c, gate);
    assert.equal(since(c, from), [['stranger', 'gate-1'], ['tamper', 'gate-1']], 'one stranger alert');
    assert.is((await getAlert(c.site.store.db, alert!.id)).sightings, 10);
  });

  test("a face failing the liveness check is a spoof alert at the gate, nothing at the garage", async () => {
    const { gate, garage } = c.terminals;
    let from = c.alerts.length;
    const garageSpoof = nextEvent(garage.terminal, 'face.spoof-suspected');
    await visit(garage, CAROL);
    assert.is((await garageSpoof).personId, 'carol');
    await barrier(c, garage);
    assert.equal(since(c, from), [['tamper', 'garage-1']]);

    from = c.alerts.length;
    const gateSpoof = nextEvent(gate.terminal, 'face.spoof-suspected');
    await visit(gate, CAROL);
    await gateSpoof;
    await c.alertCount(from + 1);
    assert.equal(c.alerts.slice(from).map((a) => [a.ruleId, a.trigger, a.terminal, a.personId]), [['spoof', 'spoof', 'gate-1', 'carol']]);
    const snapshotId = ((await gateSpoof).data as { snapshotId?: string }).snapshotId;
    assert.type(snapshotId, 'string', 'the spoof event names its snapshot');
    assert.is(c.alerts[from]!.snapshot, snapshotId);
  });

  test('tailgating: two faces through the door on one grant alert at the site; one face does not', async () => {
    const { gate } = c.terminals;
    const aliceAlone = async (i: number) => faceFrame(ALICE[0], (await facesOf(ALICE[0]))[ALICE[1]]!, { faceWidth: 130 + 4 * i, at: [0.27, 0.45 - 0.005 * i], jpegQuality: 40 });
    const from = c.alerts.length;
    await pass(gate, aliceAlone);
    assert.is(gate.terminal.store.events.query({ type: 'alarm.tailgating' }).length, 0, 'one face: no alarm at the terminal');
    const alarm = nextEvent(gate.terminal, 'alarm.tailgating');
    await pass(gate, (i) => twoFacesFrame(ALICE, STRANGER, i));
    assert.is(((await alarm).data as { count: number }).count, 2);
    await barrier(c, gate);
    const tailgating = c.alerts.slice(from).filter((a) => a.trigger === 'tailgating');
    assert.equal(tailgating.map((a) => [a.ruleId, a.terminal, a.zoneId]), [['tailgating', 'gate-1', c.zones.gate]], 'one tailgating alert, for the two-face pass');
  });

  test('webhooks through the site: a receiver failing 3 times gets the signed alert on the 4th attempt; one that never recovers ends in the dead-letter list', async () => {
    const { gate } = c.terminals;
    const from = c.alerts.length;
    await toggle(gate, gate.terminal.board.sim.fireInput, 'fire.release', 'fire.cleared');
    const fire = await alertSince(c, from, (a) => a.ruleId === 'fire');
    const webhooks = c.site.webhooks!;
    const settle = async (ms: number) => {
      c.clock.advance(ms);
      await webhooks.idle();
    };
    const t0 = c.clock.now();
    await settle(0);
    assert.is(c.flaky.got.length, 1, 'first attempt at once');
    // Default back-off: 5 s, then doubling.
    for (const [delay, attempts] of [[5_000, 2], [10_000, 3], [20_000, 4]] as const) {
      await settle(delay - 1);
      assert.is(c.flaky.got.length, attempts - 1, `no retry before ${delay} ms`);
      await settle(1);
      assert.is(c.flaky.got.length, attempts, `retry after ${delay} ms`);
    }
    assert.equal(c.flaky.got.map((g) => Number(g.headers[WEBHOOK_HEADERS.timestamp])), [t0, t0 + 5_000, t0 + 15_000, t0 + 35_000], 'each attempt stamped with its time');
    for (const g of c.flaky.got) {
      const ts = g.headers[WEBHOOK_HEADERS.timestamp] as string;
      // Checked the way a receiver would, independently of the site's own code.
      assert.is(g.headers[WEBHOOK_HEADERS.signature], `sha256=${createHmac('sha256', c.secrets.flaky!).update(`${ts}.${g.body}`).digest('hex')}`);
      assert.is(g.headers[WEBHOOK_HEADERS.event], 'alert');
    }
    const sent = JSON.parse(c.flaky.got[3]!.body);
    assert.equal([sent.type, sent.alert.id, sent.alert.ruleId, sent.alert.trigger, sent.alert.terminal], ['alert', fire.id, 'fire', 'fire', 'gate-1']);
    assert.is(new Set(c.flaky.got.map((g) => g.headers[WEBHOOK_HEADERS.delivery])).size, 1, 'one delivery id on every retry');

    // The broken receiver: 10 attempts (the default), the delays capped at 1 h; then none.
    for (let i = 0; i < 6; i++) await settle(3_600_000);
    assert.is(c.broken.got.length, 10);
    await settle(3_600_000);
    assert.is(c.broken.got.length, 10, 'dead: no more attempts');
    assert.is(c.flaky.got.length, 4, 'the delivered one is not sent again');

    const login = await fetch(`${c.site.url}api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'root', password: PASSWORD }) });
    assert.is(login.status, 200);
    const cookie = login.headers.getSetCookie().map((s) => s.split(';')[0]).join('; ');
    const dead = await fetch(`${c.site.url}api/webhook-deliveries?state=dead`, { headers: { cookie } });
    assert.is(dead.status, 200);
    const deliveries = ((await dead.json()) as { deliveries: Array<{ endpointId: string; attempts: number; alertId: number }> }).deliveries;
    assert.equal(deliveries.map((d) => [d.endpointId, d.attempts, d.alertId]), [['broken', 10, fire.id]]);
  });

  test.run();
}
