// The tailgating window on a fake clock and a real store: with no door contact it ends at
// unlockMs + margin; with one it lasts until the door closes; faces after it do not count;
// as many grants as faces is no tailgating. (The pipeline on real frames: terminal-tailgating.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Frame } from '../../../hal/camera.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { TailgatingDetector } from '../../../firmware/alerts/index.js';
import { silentLogger } from '../../../firmware/log.js';
import { Store } from '../../../firmware/store/index.js';

const UNLOCK_MS = 5_000;
const MARGIN_MS = 2_000;
const frame: Frame = { width: 640, height: 480, format: 'rgb24', timestamp: 0, seq: 1, data: new Uint8Array(640 * 480 * 3) };
const faces = (...ids: number[]) => ({ tracks: ids.map((trackId) => ({ trackId, box: { x1: 100 * trackId, y1: 100, x2: 100 * trackId + 80, y2: 180 } })) });

function setup() {
  const clock = new FakeClock();
  const store = Store.open({ path: ':memory:', terminalId: 'door-1', clock });
  const detector = new TailgatingDetector({ store, clock, unlockMs: () => UNLOCK_MS, marginMs: MARGIN_MS, log: silentLogger() });
  store.events.onAppend((e) => detector.onEvent(e));
  const alarms = () => store.events.query({ type: 'alarm.tailgating' });
  const grant = () => store.events.append({ type: 'access.granted', result: 'granted', personId: 'alice' });
  return { clock, store, detector, alarms, grant };
}

test('no door contact: two faces within unlockMs + margin of one grant raise the alarm when the window ends', async () => {
  const { clock, store, detector, alarms, grant } = setup();
  const granted = grant();
  detector.granted(1);
  detector.observe(frame, faces(1));
  clock.advance(UNLOCK_MS);
  detector.observe(frame, faces(1, 2));
  assert.is(alarms().length, 0, 'judged only when the window ends');
  clock.advance(MARGIN_MS);
  // Judged on the clock's timer; the append follows the (absent) snapshots' settling.
  await new Promise<void>((resolve) => store.events.onAppend((e) => e.type === 'alarm.tailgating' && resolve()));
  assert.equal(alarms()[0]!.data, { count: 2, grants: 1, grantSeq: granted.seq, snapshotIds: [] });
  store.close();
});

test('a face seen after the window ended does not count; one face per grant is no tailgating', () => {
  const { clock, store, detector, alarms, grant } = setup();
  grant();
  detector.observe(frame, faces(1));
  clock.advance(UNLOCK_MS + MARGIN_MS);
  detector.observe(frame, faces(1, 2));
  assert.is(alarms().length, 0);
  // Two grants, two faces.
  grant();
  detector.observe(frame, faces(3));
  grant();
  detector.observe(frame, faces(3, 4));
  clock.advance(UNLOCK_MS + MARGIN_MS);
  assert.is(alarms().length, 0);
  store.close();
});

test('with a door contact the window lasts until the door closes, past unlockMs + margin', async () => {
  const { clock, store, detector, alarms, grant } = setup();
  grant();
  detector.observe(frame, faces(1));
  store.events.append({ type: 'door.opened' });
  clock.advance(UNLOCK_MS + MARGIN_MS + 10_000);
  detector.observe(frame, faces(2));
  assert.is(alarms().length, 0);
  const raised = new Promise<void>((resolve) => store.events.onAppend((e) => e.type === 'alarm.tailgating' && resolve()));
  store.events.append({ type: 'door.closed' });
  await raised;
  assert.is((alarms()[0]!.data as { count: number }).count, 2);
  store.close();
});

test.run();
