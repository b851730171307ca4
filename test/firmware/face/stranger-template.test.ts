// A stranger's template leaves the terminal sealed to the site's key: the face.stranger
// event carries it (real models, a face-api demo photo), only the site's private key opens
// it, the event log holds no plaintext of it, and without a site key no template is sent.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openStrangerTemplate, sealedStrangerTemplate, strangerKeyPairFromSecret, StrangerTemplateError } from '@limen/sdk/protocol';
import { facesOf, portraitPhoto } from './frames.js';
import { openSealedFaceDoor, walkAway, walkUp } from './door-harness.js';
import { closeSharedEngine } from '../vision/fixtures.js';

const BOB = [3, 0] as const;
const site = strangerKeyPairFromSecret(Buffer.alloc(32, 7));
const otherSite = strangerKeyPairFromSecret(Buffer.alloc(32, 8));

async function strangerAt(dir: string, strangerTemplateKey?: string) {
  const door = await openSealedFaceDoor(dir, { ...(strangerTemplateKey && { strangerTemplateKey }) });
  await walkUp(door.push, door.clock, BOB[0], (await facesOf(BOB[0]))[BOB[1]]!);
  await walkAway(door.push, door.clock);
  const events = door.store.events.query({ type: 'face.stranger' });
  return { door, events };
}

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);

test('with the site key, face.stranger carries the template sealed to it; only the site opens it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-stranger-tpl-'));
  try {
    const { door, events } = await strangerAt(dir, site.publicKey);
    assert.is(events.length, 1);
    const sealed = sealedStrangerTemplate.parse(events[0]!.data?.template);
    assert.is(sealed.kid, site.kid);
    assert.is(sealed.dim, 512);
    const template = openStrangerTemplate(site, sealed);
    assert.ok(Math.abs(cosine(template, template) - 1) < 1e-3, 'an L2-normalised embedding');
    assert.throws(() => openStrangerTemplate(otherSite, sealed), (e: unknown) => e instanceof StrangerTemplateError);
    const flipped = { ...sealed, data: Buffer.from(Buffer.from(sealed.data, 'base64').map((b, i) => (i === 70 ? b ^ 1 : b))).toString('base64') };
    assert.throws(() => openStrangerTemplate(site, flipped), (e: unknown) => e instanceof StrangerTemplateError);
    // It is this face: the same photo enrolled afterwards makes a template close to it.
    const box = (await facesOf(BOB[0]))[BOB[1]]!;
    door.access.repository.addPerson({ id: 'bob', name: 'Bob', groupIds: [] });
    const enrolled = await door.face.enrol({ personId: 'bob', images: [await portraitPhoto(BOB[0], box)], consent: true });
    const stored = door.store.templates.get(enrolled.templateId, sealed.model)!.template!;
    assert.ok(cosine(template, stored) > 0.6, `same face: ${cosine(template, stored)}`);
    // The event log on the terminal holds ciphertext only.
    const plain = Buffer.from(template.buffer);
    const file = readFileSync(door.path);
    const wal = readFileSync(`${door.path}-wal`);
    for (const f of [file, wal]) for (let i = 0; i + 32 <= plain.length; i += 64) assert.is(f.indexOf(plain.subarray(i, i + 32)), -1, 'no plaintext window');
    await door.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a site key, face.stranger carries no template', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-stranger-tpl-'));
  try {
    const { door, events } = await strangerAt(dir);
    assert.is(events.length, 1);
    assert.is(events[0]!.data?.template, undefined);
    await door.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.after(closeSharedEngine);
test.run();
