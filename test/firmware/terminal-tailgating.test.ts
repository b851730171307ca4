// Tailgating in the sim terminal on real models and the face-api demo photos: one grant,
// then the faces seen until the door contact closes again. Two faces on one grant raise
// alarm.tailgating (with the sealed snapshot of the extra face); one face does not.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../hal/sim/fake-clock.js';
import type { FrameInput } from '../../hal/sim/camera.js';
import { defaultConfig } from '../../firmware/config/index.js';
import { enrolPerson, type FaceFrameReport } from '../../firmware/face/index.js';
import { dataKeyPathOf, FaceSnapshots, type StoredEvent } from '../../firmware/store/index.js';
import { loadOrCreateDataKey } from '../../firmware/security/index.js';
import { Terminal } from '../../firmware/terminal.js';
import { emptyFrame, faceFrame, facesOf, portraitPhoto } from './face/frames.js';
import { twoFacesFrame } from './face/two-faces.js';
import { closeSharedEngine, sharedEngine } from './vision/fixtures.js';

const ALICE = [3, 0] as const;
const STRANGER = [1, 0] as const;

/** Alice on the left half of the frame, the stranger a step behind on the right: two people at the door. */
function twoFaces(i: number): Promise<FrameInput> {
  return twoFacesFrame(ALICE, STRANGER, i);
}

async function aliceOnly(i: number): Promise<FrameInput> {
  return faceFrame(ALICE[0], (await facesOf(ALICE[0]))[ALICE[1]]!, { faceWidth: 130 + 4 * i, at: [0.27, 0.45 - 0.005 * i], jpegQuality: 40 });
}

/** The stranger alone, where Alice stood. */
async function strangerOnly(i: number): Promise<FrameInput> {
  return faceFrame(STRANGER[0], (await facesOf(STRANGER[0]))[STRANGER[1]]!, { faceWidth: 130 + 4 * i, at: [0.27, 0.45 - 0.005 * i], jpegQuality: 40 });
}

async function openTerminal(dir: string) {
  const clock = new FakeClock();
  const config = defaultConfig('door-1', { store: { path: join(dir, 'terminal.db') }, face: { enabled: true } });
  const terminal = await Terminal.open({ config, clock, faceEngine: await sharedEngine() });
  const face = terminal.face!;
  assert.is((await face.whenReady()).state, 'running');
  const repo = terminal.access.repository;
  repo.addPerson({ id: 'alice', name: 'Alice', groupIds: [repo.addGroup({ id: 'residents', name: 'Residents', scheduleId: null }).id] });
  const enrolled = await enrolPerson(terminal.store, face.gallery!, face.engine!, {
    personId: 'alice',
    images: [await portraitPhoto(ALICE[0], (await facesOf(ALICE[0]))[ALICE[1]]!)],
    consent: true,
  });
  assert.equal(enrolled.warnings, []);
  const sim = terminal.board.sim;
  const push = (frame: FrameInput): Promise<FaceFrameReport> => {
    const done = new Promise<FaceFrameReport>((resolve) => {
      const off = face.onFrame((r) => {
        off();
        resolve(r);
      });
    });
    assert.ok(sim.camera!.pushFrame(frame), 'camera running');
    return done;
  };
  /** The people in `frames` walk up (66 ms apart), open the door, pass, and it closes. */
  const pass = async (frames: (i: number) => Promise<FrameInput>) => {
    for (let i = 0; i < 5; i++) {
      await push(await frames(i));
      clock.advance(66);
    }
    assert.is(terminal.store.events.query({ type: 'access.granted' }).length, 1, 'one grant');
    sim.doorContact!.press();
    clock.advance(100);
    await push(await frames(5));
    clock.advance(1_100);
    await push(emptyFrame());
    sim.doorContact!.release();
    clock.advance(100);
  };
  /**
   * Alice walks up, is granted and passes the open door; the picture is empty long enough
   * for her track to end; then `returning` is seen for two frames (a new track with an
   * embedding, too few frames for a decision of its own) before the door closes.
   */
  const passAndReturn = async (returning: (i: number) => Promise<FrameInput>) => {
    for (let i = 0; i < 5; i++) {
      await push(await aliceOnly(i));
      clock.advance(66);
    }
    assert.is(terminal.store.events.query({ type: 'access.granted' }).length, 1, 'one grant');
    sim.doorContact!.press();
    clock.advance(100);
    await push(emptyFrame());
    clock.advance(1_100);
    const gone = await push(emptyFrame());
    assert.is(gone.result.frame.ended.length, 1, "Alice's first track ended");
    for (let i = 0; i < 2; i++) {
      const seen = await push(await returning(i));
      clock.advance(66);
      if (i === 1) assert.ok(seen.result.frame.tracks[0]?.embedding, 'the returning face has an embedding');
    }
    sim.doorContact!.release();
    clock.advance(100);
    assert.is(terminal.store.events.query({ type: 'access.granted' }).length, 1, 'still one grant');
  };
  return { terminal, config, clock, pass, passAndReturn };
}

/** Resolves with the next alarm.tailgating the terminal stores (subscribe before the door closes). */
function nextAlarm(terminal: Terminal): Promise<StoredEvent> {
  return new Promise((resolve) => {
    const off = terminal.onEvent((e) => {
      if (e.type !== 'alarm.tailgating') return;
      off();
      resolve(e);
    });
  });
}

test('two faces on one grant raise alarm.tailgating with the extra face snapshot', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-tailgating-'));
  try {
    const { terminal, config, pass } = await openTerminal(dir);
    const raised = nextAlarm(terminal);
    await pass(twoFaces);
    const [granted] = terminal.store.events.query({ type: 'access.granted' });
    assert.is(granted?.personId, 'alice');
    // Appended once the extra face's snapshot is sealed.
    const alarm = await raised;
    const data = alarm.data as { count: number; grants: number; grantSeq: number; snapshotIds: string[] };
    assert.is(data.count, 2);
    assert.is(data.grants, 1);
    assert.is(data.grantSeq, granted!.seq);
    assert.is(data.snapshotIds.length, 1, 'the extra face, not the granted one');
    const snapshots = new FaceSnapshots(terminal.store, loadOrCreateDataKey(dataKeyPathOf(config)));
    const jpeg = snapshots.get(data.snapshotIds[0]!);
    assert.ok(jpeg && jpeg[0] === 0xff && jpeg[1] === 0xd8, 'a sealed JPEG');
    await terminal.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one face on one grant raises no tailgating alarm', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-tailgating-'));
  try {
    const { terminal, pass } = await openTerminal(dir);
    await pass(aliceOnly);
    assert.is(terminal.store.events.query({ type: 'door.closed' }).length, 1, 'the window closed');
    // The window is judged when the door closes; a single face needs no snapshot, so nothing is pending.
    assert.is(terminal.store.events.query({ type: 'alarm.tailgating' }).length, 0);
    await terminal.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the granted face leaving the view and coming back in one open-door window is one person: no alarm', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-tailgating-'));
  try {
    const { terminal, passAndReturn } = await openTerminal(dir);
    await passAndReturn(aliceOnly);
    assert.is(terminal.store.events.query({ type: 'door.closed' }).length, 1, 'the window closed');
    assert.is(terminal.store.events.query({ type: 'alarm.tailgating' }).length, 0);
    await terminal.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a different face after the granted one left, in the same window, is a second person: alarm', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-tailgating-'));
  try {
    const { terminal, passAndReturn } = await openTerminal(dir);
    const raised = nextAlarm(terminal);
    await passAndReturn(strangerOnly);
    const data = (await raised).data as { count: number; grants: number; snapshotIds: string[] };
    assert.equal([data.count, data.grants, data.snapshotIds.length], [2, 1, 1]);
    await terminal.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.after(closeSharedEngine);

test.run();
