// Enrolment from the fleet on a face terminal: a photo sent with persons.upsert goes
// through the terminal's face service into face_templates and the live gallery, and
// the person's face then opens the sim door.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RejectedError } from '../../../sdk/src/index.js';
import { emptyFrame, facesOf, portraitPhoto } from '../face/frames.js';
import { walkUp } from '../face/door-harness.js';
import { openFleetFaceTerminal } from './helpers/face-terminal.js';
import sharp from 'sharp';

const CONSENT = { subject: 'Alice Example', givenAt: 1_700_000_000_000, method: 'kiosk' as const };

test('a photo sent with persons.upsert is enrolled on the terminal and the face then opens the door', async () => {
  const { clock, terminal, face, gate, push, close } = await openFleetFaceTerminal();
  try {
    const alice = (await facesOf(3))[0]!;
    const photo = await portraitPhoto(3, alice);
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
    await walkUp(push, clock, 3, alice);
    const [event] = terminal.store.events.query({ type: 'access.granted' });
    assert.is(event?.personId, 'alice');
    assert.is(event?.credentialType, 'face');
    assert.ok(terminal.board.sim.doorRelay!.state, 'relay energised');
  } finally {
    await close();
  }
});

test.run();
