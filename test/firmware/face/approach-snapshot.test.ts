// The face snapshot of a stranger or spoof is named in its event (the site fetches it by that
// id); a face that may be granted is decided before any JPEG is encoded.
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { Listeners } from '../../../hal/events.js';
import type { Frame } from '../../../hal/camera.js';
import { AccessService } from '../../../firmware/access/index.js';
import { ApproachDecisions } from '../../../firmware/face/approach.js';
import { emptyStats, type FaceDecisionReport } from '../../../firmware/face/reports.js';
import type { FaceCredential, FaceOutcome } from '../../../firmware/face/sink.js';
import { StrangerSnapshots } from '../../../firmware/face/stranger-snapshot.js';
import { silentLogger } from '../../../firmware/log.js';
import { FaceSnapshots, sealedTemplateCodec, Store } from '../../../firmware/store/index.js';
import type { FaceDecision, FrameResult } from '../../../firmware/vision/index.js';
import { frameToRgb } from '../../../firmware/vision/image.js';
import { faceFrame, facesOf } from './frames.js';
import { closeSharedEngine, sharedEngine } from '../vision/fixtures.js';

async function setup(present?: (c: FaceCredential, access: AccessService) => Promise<FaceOutcome>) {
  const clock = new FakeClock(Date.UTC(2026, 0, 5, 9));
  const key = randomBytes(32);
  const store = Store.open({ path: ':memory:', terminalId: 'gate-1', clock, templateCodec: sealedTemplateCodec(key) });
  const snapshots = new FaceSnapshots(store, key);
  const access = new AccessService({ store, timeZone: 'UTC', clock });
  access.repository.addGroup({ id: 'staff', name: 'Staff' });
  access.repository.addPerson({ id: 'ada', name: 'Ada', groupIds: ['staff'] });
  access.repository.grantConsent('ada', 'face', { source: 'kiosk' });
  access.repository.addFaceCredential('ada');
  // How many snapshots existed when the access core was asked: what the door waited on.
  const atPresent: number[] = [];
  const approach = new ApproachDecisions({
    sink: {
      present: async (c) => {
        atPresent.push(snapshots.list().length);
        return present ? present(c, access) : access.present(c);
      },
      prompt: () => {},
    },
    stats: emptyStats(),
    snapshots: new StrangerSnapshots(snapshots, silentLogger()),
    listeners: new Listeners<FaceDecisionReport>(),
    log: silentLogger(),
  });
  // A real face (demo photo 3) in a 640×480 frame, with the box the detector finds in it.
  const engine = await sharedEngine();
  const input = await faceFrame(3, (await facesOf(3))[0]!, { faceWidth: 150 });
  const frame: Frame = { ...input, timestamp: clock.now(), seq: 1 };
  const [box] = await engine.detect(frameToRgb(frame));
  assert.ok(box, 'the detector finds the face in the frame');
  const result = { seq: 1, timestamp: clock.now(), tracks: [{ trackId: 7, box }], ended: [], decisions: [], timings: {} } as unknown as FrameResult;
  const decide = (d: Partial<FaceDecision>) =>
    approach.decide({ trackId: 7, personId: null, score: 0.2, liveness: 0.9, spoofSuspected: false, frames: 3, timestamp: clock.now(), ...d }, 0, frame, result);
  return { store, snapshots, decide, atPresent };
}

test('a stranger event names its face snapshot (a JPEG of the face), linked back to the event', async () => {
  const env = await setup();
  await env.decide({});
  const [event] = env.store.events.query({ type: 'face.stranger' });
  const id = (event?.data as { snapshotId?: string } | null)?.snapshotId;
  assert.type(id, 'string', 'the event names the snapshot');
  const [snap] = env.snapshots.list();
  assert.is(snap?.id, id);
  assert.is(snap?.eventSeq, event!.seq);
  assert.is((await sharp(env.snapshots.get(id!)!).metadata()).format, 'jpeg');
  env.store.close();
});

test('a spoof event names its snapshot, with the person the face claimed', async () => {
  const env = await setup();
  await env.decide({ spoofSuspected: true, claimedPersonId: 'ada', liveness: 0.05, score: 0.8 });
  const [event] = env.store.events.query({ type: 'face.spoof-suspected' });
  const [snap] = env.snapshots.list();
  assert.ok(snap);
  assert.equal((event?.data as { snapshotId?: string }).snapshotId, snap!.id);
  assert.equal([snap!.eventSeq, snap!.personId], [event!.seq, 'ada']);
  env.store.close();
});

test('a grant is decided before any snapshot is encoded, and keeps none', async () => {
  const env = await setup();
  await env.decide({ personId: 'ada', score: 0.8 });
  const [event] = env.store.events.query({ type: 'access.granted' });
  assert.ok(event);
  assert.is((event!.data as { snapshotId?: string }).snapshotId, undefined);
  assert.equal(env.atPresent, [0]);
  assert.equal(env.snapshots.list(), []);
  env.store.close();
});

test('a stranger whose decision could not be logged leaves no orphan snapshot', async () => {
  const env = await setup(async () => {
    throw new Error('store closing');
  });
  await env.decide({});
  assert.equal(env.atPresent, [1], 'the snapshot was taken before the decision');
  assert.equal(env.snapshots.list(), [], 'and deleted when no event named it');
  env.store.close();
});

test.after(closeSharedEngine);
test.run();
