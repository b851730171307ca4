// A vehicle gate: the real Terminal on the sim board with a sim plate camera, a barrier
// relay and a loop detector. A plate read is decided by the access core and drives the
// barrier; the passage is an event with the plate, the camera's data and a sealed snapshot.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { EventData } from '@limen/sdk/protocol';
import { validateBoard } from '../../board/index.js';
import { simBoard } from '../../board/sim.js';
import { defaultConfig } from '../../firmware/config/index.js';
import { erasePerson } from '../../firmware/privacy/index.js';
import { Terminal } from '../../firmware/terminal.js';
import { kioskStrings, kioskView } from '../../firmware/kiosk/index.js';
import { FakeClock } from '../../hal/sim/fake-clock.js';

const HOUR = 3_600_000;
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0xff, 0xd9]);

const board = validateBoard({
  ...simBoard,
  name: 'sim-vehicle-gate-test',
  roles: { ...simBoard.roles, plateCamera: { driver: 'sim' }, barrierRelay: { driver: 'sim', contact: 'NO' }, vehicleDetector: { driver: 'sim', debounceMs: 20 } },
});

async function openGate(overrides: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'limen-gate-'));
  const clock = new FakeClock();
  const config = defaultConfig('gate-1', {
    store: { path: join(dir, 'gate.db') },
    terminal: { id: 'gate-1', zones: ['north'] },
    barrier: { openMs: 20_000, closeDelayMs: 2_000, heldOpenMs: 600_000 },
    ...overrides,
  });
  const terminal = await Terminal.open({ config, clock, board });
  const { plateCamera: camera, barrierRelay: relay, vehicleDetector: loop } = terminal.board.sim;
  if (!camera || !relay || !loop) throw new Error('vehicle gate board incomplete');
  const repo = terminal.access.repository;
  repo.addGroup({ id: 'residents', name: 'Residents', scheduleId: null });
  repo.addPerson({ id: 'ann', name: 'Ann', groupIds: ['residents'] });
  repo.addPlate('ann', '京A12345');
  const now = clock.now();
  repo.addPerson({ id: 'visitor-1', name: 'Visitor', groupIds: ['residents'], validFrom: now - 4 * HOUR, validUntil: now - HOUR });
  repo.addPlate('visitor-1', '沪B54321');
  const cleanup = async () => {
    await terminal.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { terminal, clock, camera, relay, loop, cleanup };
}

/** Lets the promise chain a plate read started run to its end. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function vehicleOf(data: unknown): EventData<'access.granted'>['vehicle'] {
  return (data as EventData<'access.granted'> | null)?.vehicle;
}

test('a resident plate raises the barrier, and it comes down after the vehicle has crossed the loop', async () => {
  const { terminal, clock, camera, relay, loop, cleanup } = await openGate();
  camera.present({ plate: '京A12345', colour: 'blue', direction: 'in', snapshot: JPEG });
  await settle();
  assert.is(relay.state, true, 'barrier up');
  const [granted] = terminal.store.events.query({ type: 'access.granted' });
  assert.is(granted?.personId, 'ann');
  assert.is(granted?.credentialType, 'plate');
  const vehicle = vehicleOf(granted?.data);
  assert.is(vehicle?.plate, '京A12345');
  assert.is(vehicle?.colour, 'blue');
  assert.is(vehicle?.cameraId, 'sim-lpr');
  // The snapshot is kept sealed, linked to the decision, and opens to the camera's JPEG.
  const snapshotId = vehicle?.snapshotId;
  assert.type(snapshotId, 'string');
  assert.equal(terminal.plateSnapshots?.get(snapshotId as string), JPEG);
  assert.is(terminal.plateSnapshots?.list()[0]?.eventSeq, granted?.seq);
  loop.press();
  clock.advance(60_000);
  assert.is(relay.state, true, 'a vehicle on the loop keeps the barrier up past openMs');
  loop.release();
  clock.advance(20 + 2_000);
  assert.is(relay.state, false, 'down closeDelayMs after the loop cleared');
  assert.equal(
    terminal.store.events.query({}).filter((e) => e.type.startsWith('barrier.')).map((e) => [e.type, e.data]),
    [
      ['barrier.opened', { source: 'grant' }],
      ['barrier.closed', { reason: 'passed' }],
    ],
  );
  await cleanup();
});

test('a misread with a confusable character still opens for the resident at the default strictness', async () => {
  const { terminal, camera, relay, cleanup } = await openGate();
  camera.present({ plate: '京A1234S' });
  await settle();
  assert.is(relay.state, true);
  const [granted] = terminal.store.events.query({ type: 'access.granted' });
  assert.equal([granted?.personId, granted?.credentialRef], ['ann', '京A1234S']);
  await cleanup();
});

test('plate snapshots go with the face snapshots after retention.snapshotDays', async () => {
  const { terminal, clock, camera, cleanup } = await openGate({ retention: { strangerDays: 30, snapshotDays: 7 } });
  camera.present({ plate: '京A12345', snapshot: JPEG });
  await settle();
  assert.is(terminal.plateSnapshots?.list().length, 1);
  clock.advance(8 * 24 * HOUR);
  await settle();
  assert.is(terminal.plateSnapshots?.list().length, 0);
  await cleanup();
});

test("erasing a resident deletes their car's passage snapshots and the plate in their events", async () => {
  const { terminal, camera, cleanup } = await openGate();
  camera.present({ plate: '京A12345', snapshot: JPEG });
  await settle();
  const erased = erasePerson(terminal.store, terminal.access.repository, 'ann');
  assert.is(erased.snapshotsDeleted, 1);
  assert.is(terminal.plateSnapshots?.list().length, 0);
  const [event] = terminal.store.events.query({ type: 'access.granted' });
  assert.is(event?.credentialRef, null);
  assert.is(vehicleOf(event?.data), undefined);
  await cleanup();
});

test('an unknown plate is denied by default and the barrier stays down', async () => {
  const { terminal, camera, relay, cleanup } = await openGate();
  camera.present({ plate: '粤C11111' });
  await settle();
  assert.is(relay.state, false);
  const [denied] = terminal.store.events.query({ result: 'denied' });
  assert.is(denied?.reason, 'unknown-credential');
  assert.is(denied?.credentialRef, '粤C11111');
  await cleanup();
});

test("an expired visitor's plate is denied", async () => {
  const { terminal, camera, relay, cleanup } = await openGate();
  camera.present({ plate: '沪B54321' });
  await settle();
  assert.is(relay.state, false);
  assert.is(terminal.store.events.query({ result: 'denied' })[0]?.reason, 'person-expired');
  await cleanup();
});

test('allow-and-record lets an unknown plate through and marks the passage', async () => {
  const { terminal, camera, relay, cleanup } = await openGate({ vehicle: { unknownPlate: 'allow-and-record' } });
  camera.present({ plate: '粤C11111' });
  await settle();
  assert.is(relay.state, true);
  assert.is(vehicleOf(terminal.store.events.query({ type: 'access.granted' })[0]?.data)?.admittedBy, 'policy');
  await cleanup();
});

test('ask-guard: the terminal announces the unknown plate and waits; the guard opens, or the wait ends in a denial', async () => {
  const { terminal, clock, camera, relay, cleanup } = await openGate({ vehicle: { unknownPlate: 'ask-guard', guardWaitMs: 30_000 } });
  camera.present({ plate: '粤C11111', snapshot: JPEG });
  await settle();
  const [asked] = terminal.store.events.query({ type: 'vehicle.unknown-plate' });
  const askedData = asked?.data as EventData<'vehicle.unknown-plate'> | undefined;
  assert.is(askedData?.plate, '粤C11111');
  assert.is(askedData?.waitMs, 30_000);
  assert.type(askedData?.snapshotId, 'string');
  assert.is(relay.state, false, 'nothing opens while the guard decides');
  assert.equal(terminal.vehicle?.waiting, ['粤C11111']);
  terminal.vehicle?.remoteOpen();
  await settle();
  assert.is(relay.state, true);
  const [granted] = terminal.store.events.query({ type: 'access.granted' });
  assert.is(vehicleOf(granted?.data)?.admittedBy, 'guard');
  assert.is(vehicleOf(granted?.data)?.snapshotId, askedData?.snapshotId);

  camera.present({ plate: '粤C22222' });
  await settle();
  clock.advance(30_000);
  await settle();
  const [unanswered] = terminal.store.events.query({ result: 'denied' });
  assert.equal([unanswered?.reason, unanswered?.credentialRef], ['guard-no-answer', '粤C22222']);
  await cleanup();
});

test('anti-passback: a second entry without an exit is denied at the barrier', async () => {
  const { terminal, clock, camera, relay, loop, cleanup } = await openGate({ antiPassback: { enabled: true } });
  camera.present({ plate: '京A12345', direction: 'in' });
  await settle();
  loop.press();
  clock.advance(1_000);
  loop.release();
  clock.advance(3_000);
  assert.is(relay.state, false);
  clock.advance(60_000); // past vehicle.repeatMs: a new approach, not a repeat read
  camera.present({ plate: '京A12345', direction: 'in' });
  await settle();
  assert.is(relay.state, false);
  assert.is(terminal.store.events.query({ result: 'denied' })[0]?.reason, 'anti-passback');
  camera.present({ plate: '京A12345', direction: 'out' });
  await settle();
  assert.is(relay.state, true, 'the exit is allowed');
  await cleanup();
});

test('repeated reads of one approach make one decision', async () => {
  const { terminal, clock, camera, cleanup } = await openGate();
  camera.present({ plate: '京A12345' });
  clock.advance(500);
  camera.present({ plate: '京A12345' });
  clock.advance(500);
  camera.present({ plate: '京a12345' });
  await settle();
  assert.is(terminal.store.events.query({ type: 'access.granted' }).length, 1);
  await cleanup();
});

test('an operator opens the barrier with the fleet unlock path; cards still drive the door', async () => {
  const { terminal, clock, relay, cleanup } = await openGate();
  terminal.vehicle?.remoteOpen();
  assert.is(relay.state, true);
  clock.advance(20_000);
  assert.is(relay.state, false, 'nobody came within openMs');
  assert.is(terminal.board.sim.doorRelay?.state, false, 'the door relay is not the barrier');
  await cleanup();
});

test('the fire input raises the barrier for emergency vehicles until it clears, and the events say so', async () => {
  const { terminal, clock, relay, cleanup } = await openGate();
  const fire = terminal.board.sim.fireInput;
  if (!fire) throw new Error('sim board without a fire input');
  fire.setRaw(true);
  clock.advance(60);
  assert.is(relay.state, true, 'barrier up for the fire');
  // The screen says the barrier is up (not that a door was released), in English and Chinese.
  await settle();
  const shown = terminal.board.sim.display!.current;
  assert.equal(shown, { mode: 'alert', title: 'Fire alarm', detail: 'Barrier up for emergency vehicles', reason: 'fire-barrier-up' });
  assert.equal(kioskView(shown, kioskStrings('zh-CN'), ''), { screen: 'alert', title: '火警', detail: '道闸已抬起，供应急车辆通行' });
  clock.advance(10 * 60_000);
  assert.is(relay.state, true, 'held up while the fire lasts');
  fire.setRaw(false);
  clock.advance(60 + 2_000);
  assert.is(relay.state, false, 'down closeDelayMs after the fire cleared');
  const kinds = terminal.store.events.query({ order: 'asc' }).map((e) => `${e.type}${e.data && 'source' in e.data ? `:${String(e.data.source)}` : ''}${e.data && 'reason' in e.data ? `:${String(e.data.reason)}` : ''}`);
  assert.ok(kinds.includes('fire.release'), kinds.join());
  assert.ok(kinds.includes('barrier.opened:fire'), kinds.join());
  assert.ok(kinds.includes('barrier.closed:fire-cleared'), kinds.join());
  assert.not.ok(kinds.includes('alarm.barrier-held'), 'no held alarm during a fire');
  await settle();
  assert.is(terminal.board.sim.display!.current.mode, 'idle', 'the alert goes when the fire clears');
  await cleanup();
});

test.run();
