// Phone photos in the site console: a 12 MP JPEG of several MB (stored sideways, EXIF
// orientation 6) is shrunk before it goes on the wire and the gate enrols the face from
// it; what still fails is said in plain words, with no schema path.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import sharp from 'sharp';
import { silentLogger } from '../../../../firmware/log.js';
import { LIMITS } from '../../../../sdk/src/protocol/index.js';
import { siteService } from '../../../../tools/cli/site-service.js';
import { startSimulation } from '../../../../tools/cli/simulation.js';
import { ENROL_PHOTO_MAX_SIDE, enrolPhoto } from '../../../../tools/site/console/photo.js';
import { facesOf, portraitPhoto } from '../../../firmware/face/frames.js';
import { closeSharedEngine, sharedEngine } from '../../../firmware/vision/fixtures.js';
import { login } from './login.js';
import { phoneJpeg } from './phone-photo.js';

const PASSWORD = 'demo admin password';

const alice = async () => portraitPhoto(3, (await facesOf(3))[0]!);

test('a phone photo of several MB becomes an upright JPEG within the wire limit', async () => {
  const phone = await phoneJpeg(await alice());
  assert.ok(phone.length > 2_000_000, `a phone-sized JPEG (${phone.length} bytes)`);
  const shrunk = await enrolPhoto(phone);
  const bytes = Buffer.from(shrunk.data, 'base64');
  assert.ok(bytes.length <= LIMITS.maxPhotoBytes, `${bytes.length} bytes`);
  const meta = await sharp(bytes).metadata();
  assert.is(meta.format, 'jpeg');
  // Stored 4032×3024 with orientation 6: upright it is portrait, longest side 1024.
  assert.equal([meta.width, meta.height], [768, ENROL_PHOTO_MAX_SIDE]);
  assert.is(meta.orientation, undefined);
  // A small photo is not enlarged.
  const small = await enrolPhoto(await sharp(await alice()).resize(300).jpeg().toBuffer());
  assert.is((await sharp(Buffer.from(small.data, 'base64')).metadata()).width, 300);
});

test('what is not a picture is refused in plain words', async () => {
  await enrolPhoto(Buffer.from('this is not a photo')).then(
    () => assert.unreachable('accepted garbage'),
    (err: Error & { code?: string }) => {
      assert.is(err.code, 'INVALID');
      assert.is(err.message, 'The photo could not be read. Choose a JPEG, PNG or WebP picture.');
    },
  );
});

test('through the site: the gate enrols the face from a phone photo; a photo without a face is explained', async () => {
  const engine = await sharedEngine();
  const sim = await startSimulation({ site: 'maple', dir: ':memory:', faceEngine: engine, services: [siteService({ database: ':memory:', adminPassword: PASSWORD })], logger: silentLogger() });
  try {
    const siteUrl = sim.services.find((s) => s.name === 'Site')!.url;
    const gate = sim.terminals.find((t) => t.id === 'gate-1')!.terminal;
    await gate.face!.whenReady();
    const session = await login(siteUrl, 'admin', PASSWORD);
    const post = async (person: string, body: unknown) => {
      const res = await fetch(`${siteUrl}api/persons/${person}/face`, { method: 'POST', headers: { 'content-type': 'application/json', ...session }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string }; results?: Array<{ terminal: string; ok: boolean; face?: boolean; error?: { code: string; message: string } }> } };
    };
    // Alice of the demo community lives in Building 1: the gate and Building 1's door.
    const phone = await phoneJpeg(await alice());
    const ok = await post('alice', { consent: true, photo: { mime: 'image/jpeg', data: phone.toString('base64') } });
    assert.is(ok.status, 200, JSON.stringify(ok.body));
    const results = Object.fromEntries(ok.body.results!.map((r) => [r.terminal, r]));
    assert.equal(results['gate-1'], { terminal: 'gate-1', ok: true, face: true });
    assert.equal(results['door-1'], { terminal: 'door-1', ok: true, face: false });
    assert.is(gate.face!.status.templates, 1);
    assert.ok(sim.terminals.find((t) => t.id === 'door-1')!.terminal.access.repository.findCredential('card', '1234567'), "door-1 keeps her card (the seed's)");

    // Grey noise, no face: the gate says why in words; door-1 (no face recognition) takes the person.
    const blank = await phoneJpeg(await sharp({ create: { width: 300, height: 400, channels: 3, background: { r: 120, g: 120, b: 120 } } }).jpeg().toBuffer());
    const noFace = await post('bob', { consent: true, photo: { mime: 'image/jpeg', data: blank.toString('base64') } });
    const gateResult = noFace.body.results!.find((r) => r.terminal === 'gate-1')!;
    assert.is(gateResult.ok, false);
    assert.is(gateResult.error!.message, 'no face was found in the photo. Use a photo where the face is clearly visible.');
    assert.ok(noFace.body.results!.find((r) => r.terminal === 'door-1')!.ok);

    const notImage = await post('mei', { consent: true, photo: { mime: 'image/png', data: Buffer.from('hello').toString('base64') } });
    assert.equal(notImage.body.error, { code: 'INVALID', message: 'The photo could not be read. Choose a JPEG, PNG or WebP picture.' });
    assert.not.match(gateResult.error!.message, /\b\w+\.\d+\.\w+/);
  } finally {
    await sim.close();
  }
});

test.after(() => closeSharedEngine());
test.run();
