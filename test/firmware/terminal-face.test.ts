// Face recognition in the sim terminal, on real models and the face-api demo photos:
// frames pushed into the sim camera go through the pipeline, the matcher and the access
// core, and open (or keep shut) the sim door.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../hal/sim/fake-clock.js';
import type { FrameInput } from '../../hal/sim/camera.js';
import { defaultConfig } from '../../firmware/config/index.js';
import { enrolPerson } from '../../firmware/face/index.js';
import { SEAL_OVERHEAD } from '../../firmware/security/index.js';
import { plainTemplateCodec } from '../../firmware/store/index.js';
import { Terminal } from '../../firmware/terminal.js';
import { decodeImage } from '../../firmware/vision/image.js';
import { faceFrame, facesOf, portraitPhoto, type DemoPhoto } from './face/frames.js';
import { framePusher, walkAway, walkUp } from './face/door-harness.js';
import { closeSharedEngine, sharedEngine } from './vision/fixtures.js';

// Demo faces (photo, index left to right). Alice's copy and the strangers score well above
// the medium liveness level at every scale tried; Carol's face scores below 0.05 at every
// scale, so the liveness model calls it a spoof.
const ALICE = [3, 0] as const;
const CAROL = [6, 1] as const;
const STRANGERS = [[1, 0], [4, 1], [5, 1]] as const;

async function box(face: readonly [DemoPhoto, number]) {
  return (await facesOf(face[0]))[face[1]]!;
}

async function openTerminal(faceConfig: Record<string, unknown> = {}) {
  const clock = new FakeClock();
  const config = defaultConfig('door-1', { store: { path: ':memory:' }, face: { enabled: true, ...faceConfig } });
  const terminal = await Terminal.open({ config, clock, faceEngine: await sharedEngine() });
  const face = terminal.face!;
  const status = await face.whenReady();
  assert.is(status.state, 'running', JSON.stringify(status.error));
  const repo = terminal.access.repository;
  const residents = repo.addGroup({ id: 'residents', name: 'Residents', scheduleId: null });
  for (const [id, name] of [['alice', 'Alice'], ['carol', 'Carol']]) repo.addPerson({ id: id!, name: name!, groupIds: [residents.id] });
  repo.addCard('alice', '1234567');
  const camera = terminal.board.sim.camera!;
  const relay = terminal.board.sim.doorRelay!;
  const display = terminal.board.sim.display!;

  const push = framePusher(face, camera);
  /** A person walking up: a few frames, the face growing and drifting, 66 ms apart. */
  const approach = async (f: readonly [DemoPhoto, number], options: { faceWidth?: number } = {}) => walkUp(push, clock, f[0], await box(f), options.faceWidth);
  const leave = () => walkAway(push, clock);
  const enrol = async (personId: string, f: readonly [DemoPhoto, number]) => {
    const result = await enrolPerson(terminal.store, face.gallery!, face.engine!, { personId, images: [await portraitPhoto(f[0], await box(f))], consent: true });
    assert.equal(result.warnings, []);
    return result;
  };
  return { terminal, face, clock, camera, relay, display, push, approach, leave, enrol };
}

test('an enrolled face, shifted, scaled and re-compressed, opens the sim door; the event has score and liveness, no image', async () => {
  const t = await openTerminal();
  const { templateId } = await t.enrol('alice', ALICE);
  assert.ok(t.face.gallery!.has(templateId));
  const reports = await t.approach(ALICE);
  const decided = reports.flatMap((r) => r.result.decisions);
  assert.is(decided.length, 1, 'one decision for the whole approach');
  assert.ok(t.relay.state, 'relay energised');
  assert.equal(t.display.current, { mode: 'granted', title: 'Alice', detail: 'Access granted' });
  const [event] = t.terminal.store.events.query({ type: 'access.granted' });
  assert.is(event?.personId, 'alice');
  assert.is(event?.credentialType, 'face');
  const data = event!.data as { score: number; liveness: number };
  const threshold = t.face.status.thresholds!.identify;
  assert.ok(data.score >= threshold && data.score <= 1, `score ${data.score} vs threshold ${threshold}`);
  assert.ok(data.liveness >= 0.5 && data.liveness <= 1, `liveness ${data.liveness}`);

  // No image anywhere: the only BLOB in the database is the 512-float template.
  const db = t.terminal.store.db;
  const tables = db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
  const blobs: string[] = [];
  for (const table of tables) {
    const columns = db.prepare<[], string>(`SELECT name FROM pragma_table_info('${table}')`).pluck().all();
    for (const c of columns) {
      const n = db.prepare<[], number>(`SELECT count(*) FROM "${table}" WHERE typeof("${c}") = 'blob'`).pluck().get()!;
      if (n > 0) blobs.push(`${table}.${c}`);
    }
  }
  assert.equal(blobs, ['face_templates.template']);
  // 512 float32 values, sealed (AES-256-GCM) when the terminal's store encrypts templates.
  const sealed = t.terminal.store.templates.codec !== plainTemplateCodec;
  assert.is(db.prepare<[], number>('SELECT max(length(template)) FROM face_templates').pluck().get(), 512 * 4 + (sealed ? SEAL_OVERHEAD : 0));
  const longest = db.prepare<[], number>('SELECT max(length(data)) FROM events').pluck().get()!;
  assert.ok(longest < 200, `event data stays small (${longest} chars)`);

  t.clock.advance(5_000);
  assert.not.ok(t.relay.state, 'relocked after unlockMs');
  await t.terminal.close();
});

test('other faces are strangers: one face.stranger event each, the door stays locked', async () => {
  const t = await openTerminal();
  await t.enrol('alice', ALICE);
  for (const s of STRANGERS) {
    await t.approach(s);
    assert.equal(t.display.current, { mode: 'denied', title: 'Access denied', detail: 'Face not recognised', reason: 'stranger' });
    await t.leave();
  }
  const events = t.terminal.store.events.query({ order: 'asc' }).filter((e) => e.credentialType === 'face');
  assert.equal(events.map((e) => e.type), ['face.stranger', 'face.stranger', 'face.stranger']);
  for (const e of events) {
    assert.is(e.personId, null);
    assert.ok((e.data as { score: number }).score < t.face.status.thresholds!.identify);
  }
  assert.equal(t.relay.history, [], 'relay never energised');
  await t.terminal.close();
});

test('a face the liveness check rejects is a face.spoof-suspected event naming whose face it showed; no unlock', async () => {
  const t = await openTerminal();
  await t.enrol('carol', CAROL);
  await t.approach(CAROL);
  const [event] = t.terminal.store.events.query({ credentialType: 'face' });
  assert.is(event?.type, 'face.spoof-suspected');
  assert.is(event?.reason, 'spoof-suspected');
  assert.is(event?.personId, 'carol');
  assert.ok((event!.data as { liveness: number }).liveness < 0.5);
  assert.equal(t.display.current, { mode: 'denied', title: 'Access denied', detail: 'Liveness check failed', reason: 'spoof-suspected' });
  assert.equal(t.relay.history, []);
  await t.terminal.close();
});

test('with liveness off the same face is recognised and let in', async () => {
  const t = await openTerminal({ livenessLevel: 'off' });
  await t.enrol('carol', CAROL);
  await t.approach(CAROL);
  const [event] = t.terminal.store.events.query({ credentialType: 'face' });
  assert.is(event?.type, 'access.granted');
  assert.is((event!.data as { liveness: number | null }).liveness, null);
  assert.ok(t.relay.state);
  await t.terminal.close();
});

test('quality prompts show while a face is unusable, never over granted/denied feedback', async () => {
  const t = await openTerminal();
  await t.enrol('alice', ALICE);
  const tooSmall = await faceFrame(ALICE[0], await box(ALICE), { faceWidth: 60 });
  const r = await t.push(tooSmall);
  assert.is(r.prompt, 'come closer');
  assert.equal(t.display.current, { mode: 'prompt', title: 'Come closer', reason: 'too_small' });
  await t.leave();
  assert.is(t.display.current.mode, 'idle', 'prompt withdrawn when the face is gone');
  assert.is(t.face.status.stats.unusable, 1, 'a face that was never usable is no access attempt');
  assert.is(t.terminal.store.events.query({ credentialType: 'face' }).length, 0);

  await t.approach(ALICE);
  assert.is(t.display.current.mode, 'granted');
  await t.leave();
  const again = await t.push(tooSmall);
  assert.is(again.prompt, 'come closer');
  assert.is(t.display.current.mode, 'granted', 'feedback stays until it times out');
  t.clock.advance(3_000);
  assert.is(t.display.current.mode, 'idle');
  await t.push(tooSmall);
  assert.equal(t.display.current, { mode: 'prompt', title: 'Come closer', reason: 'too_small' });
  await t.terminal.close();
});

test('erasing a person removes their template from the store and the live matcher; their face is then a stranger', async () => {
  const t = await openTerminal();
  const { templateId } = await t.enrol('alice', ALICE);
  assert.ok(t.terminal.access.repository.removePerson('alice'));
  assert.is(t.terminal.store.db.prepare<[], number>("SELECT count(*) FROM face_templates").pluck().get(), 0);
  t.clock.advance(1_000); // the periodic gallery check
  assert.not.ok(t.face.gallery!.has(templateId));
  assert.is(t.face.status.templates, 0);
  await t.approach(ALICE);
  const [event] = t.terminal.store.events.query({ credentialType: 'face' });
  assert.is(event?.type, 'face.stranger');
  assert.is(event?.personId, null);
  assert.equal(t.relay.history, []);
  await t.terminal.close();
});

test('verify (card + face): the person\'s own face passes at the verify threshold, another does not', async () => {
  const t = await openTerminal();
  await t.enrol('alice', ALICE);
  const engine = t.face.engine!;
  const embed = async (f: readonly [DemoPhoto, number]) => {
    const frame = await faceFrame(f[0], await box(f), { faceWidth: 150 });
    const [a] = await engine.analyseImage(await decodeImage(await sharpJpeg(frame)), { embed: 'always', liveness: 'never' });
    return a!.embedding!;
  };
  const own = t.face.verify('alice', await embed(ALICE));
  assert.ok(own.match && own.score! >= own.threshold, JSON.stringify(own));
  const other = t.face.verify('alice', await embed(STRANGERS[0]));
  assert.not.ok(other.match);
  assert.is(t.face.verify('carol', await embed(ALICE)).score, null, 'no template: no score');
  await t.terminal.close();
});

test('cards keep working when the face models cannot be loaded; the failure shows in the status', async () => {
  const clock = new FakeClock();
  const config = defaultConfig('door-1', { store: { path: ':memory:' }, face: { enabled: true, modelSet: 'no-such-set' } });
  const terminal = await Terminal.open({ config, clock });
  const status = await terminal.face!.whenReady();
  assert.is(status.state, 'failed');
  assert.is(status.error?.code, 'MODELS_UNAVAILABLE');
  assert.match(status.error!.message, /no-such-set/);
  const repo = terminal.access.repository;
  repo.addPerson({ id: 'alice', name: 'Alice', groupIds: [repo.addGroup({ name: 'r', scheduleId: null }).id] });
  repo.addCard('alice', '42');
  const outcome = await terminal.present({ type: 'card', value: '42' });
  assert.is(outcome.decision.result, 'granted');
  assert.ok(terminal.board.sim.doorRelay!.state);
  await terminal.close();
  assert.is(terminal.face!.status.state, 'closed');
});

test('closing while the models load leaves nothing running', async () => {
  const config = defaultConfig('door-1', { store: { path: ':memory:' }, face: { enabled: true } });
  const terminal = await Terminal.open({ config, clock: new FakeClock() });
  assert.is(terminal.face!.status.state, 'starting');
  await terminal.close();
  const status = await terminal.face!.whenReady();
  assert.is(status.state, 'closed');
  assert.is(terminal.face!.engine, null);
  assert.is(terminal.board.sim.camera!.running, false);
});

test('face recognition off: no face service, nothing loaded', async () => {
  const terminal = await Terminal.open({ config: defaultConfig('door-1', { store: { path: ':memory:' } }), clock: new FakeClock() });
  assert.is(terminal.face, null);
  await terminal.close();
});

/** Raw RGB back to a JPEG so the engine's decoder reads it like a photo. */
async function sharpJpeg(frame: FrameInput): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  return sharp(Buffer.from(frame.data), { raw: { width: frame.width, height: frame.height, channels: 3 } }).jpeg({ quality: 95 }).toBuffer();
}

test.after(() => closeSharedEngine());
test.run();
