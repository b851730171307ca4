// Enrolment from the fleet on a face terminal: a photo sent with persons.upsert goes
// through the terminal's face service into face_templates and the live gallery, and
// the person's face then opens the sim door.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultConfig } from '../../../firmware/config/index.js';
import type { FaceFrameReport } from '../../../firmware/face/index.js';
import { silentLogger } from '../../../firmware/log.js';
import { Terminal } from '../../../firmware/terminal.js';
import type { FrameInput } from '../../../hal/sim/camera.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { Fleet, RejectedError } from '../../../sdk/src/index.js';
import { startAedes } from '../../sdk/helpers/brokers.js';
import { guard } from '../../sdk/helpers/wait.js';
import { emptyFrame, faceFrame, facesOf, portraitPhoto } from '../face/frames.js';
import { closeSharedEngine, sharedEngine } from '../vision/fixtures.js';
import sharp from 'sharp';

const CONSENT = { subject: 'Alice Example', givenAt: 1_700_000_000_000, method: 'kiosk' as const };

test('a photo sent with persons.upsert is enrolled on the terminal and the face then opens the door', async () => {
  const broker = await startAedes();
  const fleet = await Fleet.connect({ url: broker.url, site: 'hq', requestTimeoutMs: 30_000 });
  // A fake clock paces the face tracks; it starts at the real time so request deadlines hold.
  const clock = new FakeClock(Date.now());
  const config = defaultConfig('gate-1', {
    store: { path: ':memory:' },
    face: { enabled: true },
    fleet: { url: broker.url, site: 'hq', healthIntervalMs: 60_000 },
  });
  const online = new Promise<void>((resolve) => fleet.onPresence((p) => p.terminal === 'gate-1' && p.online && resolve()));
  const terminal = await Terminal.open({ config, clock, logger: silentLogger(), faceEngine: await sharedEngine() });
  try {
    const face = terminal.face!;
    assert.is((await face.whenReady()).state, 'running');
    await guard(online, 'gate-1 online');

    const alice = (await facesOf(3))[0]!;
    const photo = await portraitPhoto(3, alice);
    const gate = fleet.terminal('gate-1');
    await gate.persons.upsert([{ id: 'alice', name: 'Alice', faces: [{ photo: { mime: 'image/jpeg', data: photo.toString('base64') }, consent: CONSENT }] }]);
    const rows = terminal.store.db.prepare('SELECT person_id, model_id FROM face_templates').all();
    assert.equal(rows, [{ person_id: 'alice', model_id: face.engine!.modelSet.name }]);
    assert.is(face.status.templates, 1);
    // The consent stored is the one the backend sent with the photo, not one the terminal made up.
    assert.equal(terminal.access.repository.listConsents('alice').map((c) => [c.source, c.grantedAt, c.record]), [
      ['fleet:kiosk', CONSENT.givenAt, { subject: 'Alice Example', method: 'kiosk' }],
    ]);

    // A photo without a face: refused with the record and the vision error named.
    const blank = emptyFrame(320, 240);
    const jpeg = await sharp(Buffer.from(blank.data), { raw: { width: 320, height: 240, channels: 3 } }).jpeg().toBuffer();
    const refused = await gate.persons.upsert([{ id: 'bob', faces: [{ photo: { mime: 'image/jpeg', data: jpeg.toString('base64') }, consent: CONSENT }] }]).catch((e: unknown) => e);
    assert.instance(refused, RejectedError);
    assert.is((refused as RejectedError).code, 'REJECTED');
    assert.match((refused as Error).message, /^persons\.0\.faces: /);
    assert.is(terminal.access.repository.getPerson('bob'), undefined);

    // Alice walks up to the camera.
    const camera = terminal.board.sim.camera!;
    const push = (frame: FrameInput) =>
      new Promise<FaceFrameReport>((resolve) => {
        const off = face.onFrame((r) => {
          off();
          resolve(r);
        });
        assert.ok(camera.pushFrame(frame), 'camera running');
      });
    for (let i = 0; i < 4; i++) {
      await push(await faceFrame(3, alice, { faceWidth: 140 + 4 * i, at: [0.42 + 0.01 * i, 0.46 - 0.005 * i], jpegQuality: 40 }));
      clock.advance(66);
    }
    const [event] = terminal.store.events.query({ type: 'access.granted' });
    assert.is(event?.personId, 'alice');
    assert.is(event?.credentialType, 'face');
    assert.ok(terminal.board.sim.doorRelay!.state, 'relay energised');
  } finally {
    await terminal.close();
    await fleet.close();
    await broker.close();
    await closeSharedEngine();
  }
});

test.run();
