// Faces played into the sim terminal through an ffmpeg child process (config
// face.camera): a still image, an image folder, ffmpeg's test pattern; and what the
// terminal says when ffmpeg or the media is missing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock, type Clock } from '../../hal/clock.js';
import { FakeClock } from '../../hal/sim/fake-clock.js';
import { AccessRepository } from '../../firmware/access/index.js';
import { defaultConfig } from '../../firmware/config/index.js';
import { LiveGallery, commandAvailable, enrolPerson } from '../../firmware/face/index.js';
import { Store, type StoredEvent } from '../../firmware/store/index.js';
import { Terminal } from '../../firmware/terminal.js';
import { Matcher } from '../../firmware/vision/matcher/index.js';
import { faceFrameJpeg, facesOf, portraitPhoto } from './face/frames.js';
import { closeSharedEngine, sharedEngine } from './vision/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'limen-face-camera-'));
let dbs = 0;

/** A database file with Alice enrolled from a portrait photo, as the CLI would leave it. */
async function enrolledDb(): Promise<string> {
  const path = join(dir, `t${dbs++}.db`);
  const store = Store.open({ path, terminalId: 'door-1' });
  const repo = new AccessRepository(store);
  repo.addPerson({ id: 'alice', name: 'Alice', groupIds: [repo.addGroup({ name: 'residents', scheduleId: null }).id] });
  repo.addCard('alice', '42');
  const gallery = new LiveGallery(store, new Matcher(), 'faceplugin-0.0.1');
  await enrolPerson(store, gallery, await sharedEngine(), { personId: 'alice', images: [await portraitPhoto(3, (await facesOf(3))[0]!)], consent: true });
  await gallery.close();
  store.close();
  return path;
}

async function open(camera: Record<string, unknown>, options: { clock?: Clock; store?: string } = {}) {
  const config = defaultConfig('door-1', { store: { path: options.store ?? ':memory:' }, face: { enabled: true, camera } });
  return Terminal.open({ config, clock: options.clock ?? new FakeClock(), faceEngine: await sharedEngine() });
}

/** Resolves with the first stored event of `type`; rejects if face recognition fails or nothing comes in time. */
function nextEvent(terminal: Terminal, type: string): Promise<StoredEvent> {
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error(`no ${type} event within 60 s: ${JSON.stringify(terminal.face?.status)}`)), 60_000);
    const off = terminal.onEvent((e) => {
      if (e.type !== type) return;
      clearTimeout(guard);
      off();
      resolve(e);
    });
    void terminal.face?.whenReady().then((s) => {
      if (s.state !== 'failed') return;
      clearTimeout(guard);
      reject(new Error(`face recognition failed: ${s.error?.message}`));
    });
  });
}

test('without ffmpeg on PATH a played source is reported clearly; cards still open the door', async () => {
  const image = join(dir, 'nobody.jpg');
  writeFileSync(image, await faceFrameJpeg(1, (await facesOf(1))[0]!));
  const empty = join(dir, 'empty-path');
  mkdirSync(empty, { recursive: true });
  const saved = process.env.PATH;
  process.env.PATH = empty;
  let terminal: Terminal;
  try {
    terminal = await open({ source: 'image', path: image });
    const status = await terminal.face!.whenReady();
    assert.is(status.state, 'failed');
    assert.is(status.error?.code, 'CAMERA_UNAVAILABLE');
    assert.is(status.error?.message, 'face.camera source "image" plays through ffmpeg, which is not installed (install the ffmpeg package)');
  } finally {
    process.env.PATH = saved;
  }
  const repo = terminal.access.repository;
  repo.addPerson({ id: 'bob', name: 'Bob', groupIds: [repo.addGroup({ name: 'g', scheduleId: null }).id] });
  repo.addCard('bob', '7');
  assert.is((await terminal.present({ type: 'card', value: '7' })).decision.result, 'granted');
  await terminal.close();
});

test('a missing media file is named in the status', async () => {
  const terminal = await open({ source: 'video', path: join(dir, 'no-such.mp4') });
  const status = await terminal.face!.whenReady();
  assert.is(status.error?.code, 'CAMERA_UNAVAILABLE');
  assert.match(status.error!.message, /^face\.camera\.path: no such file .*no-such\.mp4$/);
  await terminal.close();
});

if (!commandAvailable('ffmpeg')) {
  console.log('skipped: faces played through ffmpeg into the sim terminal (ffmpeg not installed)');
} else {
  test('a still image of the enrolled face, played by ffmpeg, opens the sim door', async () => {
    const image = join(dir, 'alice.jpg');
    writeFileSync(image, await faceFrameJpeg(3, (await facesOf(3))[0]!, { faceWidth: 150, at: [0.4, 0.45], jpegQuality: 40 }));
    const terminal = await open({ source: 'image', path: image }, { store: await enrolledDb() });
    const granted = nextEvent(terminal, 'access.granted');
    const status = await terminal.face!.whenReady();
    assert.is(status.state, 'running', JSON.stringify(status.error));
    assert.match(status.camera!, /^ffmpeg image .*alice\.jpg 640x480 rgb24$/);
    assert.is(status.templates, 1);
    const event = await granted;
    assert.is(event.personId, 'alice');
    assert.ok(terminal.board.sim.doorRelay!.state, 'relay energised');
    await terminal.close();
  });

  test('an image folder plays each face in turn: the enrolled one is let in, the other is a stranger', async () => {
    const folder = join(dir, 'faces');
    mkdirSync(folder);
    writeFileSync(join(folder, '1-alice.jpg'), await faceFrameJpeg(3, (await facesOf(3))[0]!, { at: [0.3, 0.45] }));
    writeFileSync(join(folder, '2-stranger.jpg'), await faceFrameJpeg(1, (await facesOf(1))[0]!, { at: [0.7, 0.45] }));
    // Real time: the folder loops, so a slow machine gets another pass.
    const terminal = await open({ source: 'image-folder', path: folder, secondsPerImage: 1.5 }, { store: await enrolledDb(), clock: systemClock });
    const [granted, stranger] = await Promise.all([nextEvent(terminal, 'access.granted'), nextEvent(terminal, 'face.stranger')]);
    assert.is(granted.personId, 'alice');
    assert.is(stranger.personId, null);
    await terminal.close();
  });

  test('the test pattern streams frames through the pipeline without a decision; each raw frame is offered first', async () => {
    const terminal = await open({ source: 'test-pattern' });
    const raw = new Promise<{ width: number; height: number; format: string; bytes: number }>((resolve) => {
      const off = terminal.face!.onCameraFrame((f) => {
        off();
        resolve({ width: f.width, height: f.height, format: f.format, bytes: f.data.length });
      });
    });
    assert.is((await terminal.face!.whenReady()).state, 'running');
    // What a fleet snapshot shows while face recognition plays a file: the played frames.
    assert.equal(await raw, { width: 640, height: 480, format: 'rgb24', bytes: 640 * 480 * 3 });
    const frames = await new Promise<number>((resolve) => {
      let n = 0;
      const off = terminal.face!.onFrame((r) => {
        assert.is(r.result.frame.tracks.length, 0);
        if (++n === 2) {
          off();
          resolve(n);
        }
      });
    });
    assert.is(frames, 2);
    assert.is(terminal.store.events.query({ credentialType: 'face' }).length, 0);
    await terminal.close();
  });
}

test.after(async () => {
  await closeSharedEngine();
  rmSync(dir, { recursive: true, force: true });
});
test.run();
