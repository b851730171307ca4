// enrolPerson and LiveGallery on real models and the face-api demo photos.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { AccessRepository, FACE_CONSENT } from '../../../firmware/access/index.js';
import { LiveGallery, enrolPerson, faceThresholds } from '../../../firmware/face/index.js';
import { META_KEYS, Store } from '../../../firmware/store/index.js';
import { decodeImage } from '../../../firmware/vision/image.js';
import { Matcher } from '../../../firmware/vision/matcher/index.js';
import { closeSharedEngine, sharedEngine } from '../vision/fixtures.js';
import { facesOf, portraitPhoto } from './frames.js';

const dir = mkdtempSync(join(tmpdir(), 'limen-face-enrol-'));
let n = 0;

function open(path = ':memory:') {
  const clock = new FakeClock();
  const store = Store.open({ path, terminalId: 't', clock });
  const repo = new AccessRepository(store);
  const group = repo.addGroup({ name: 'residents', scheduleId: null });
  for (const id of ['alice', 'bob']) if (!repo.getPerson(id)) repo.addPerson({ id, name: id, groupIds: [group.id] });
  const gallery = new LiveGallery(store, new Matcher({ clock }), 'faceplugin-0.0.1');
  return { store, repo, gallery, clock };
}

const countRows = (store: Store, table: string) => store.db.prepare<[], number>(`SELECT count(*) FROM ${table}`).pluck().get() ?? -1;

async function alicePhoto() {
  return portraitPhoto(3, (await facesOf(3))[0]!);
}

test('refuses without consent before reading a photo, and writes nothing', async () => {
  const { store, gallery } = open();
  const engine = await sharedEngine();
  for (const consent of [false, undefined, 'yes']) {
    const err = await enrolPerson(store, gallery, engine, { personId: 'alice', images: [Buffer.from('not a photo')], consent: consent as true }).catch((e: unknown) => e);
    assert.is((err as { code?: string }).code, 'CONSENT_REQUIRED');
  }
  assert.is(countRows(store, 'face_templates'), 0);
  assert.is(countRows(store, 'consents'), 0);
  await gallery.close();
  store.close();
});

test('an unknown person, or photos without a usable face, write nothing', async () => {
  const { store, gallery } = open();
  const engine = await sharedEngine();
  const unknown = await enrolPerson(store, gallery, engine, { personId: 'zed', images: [await alicePhoto()], consent: true }).catch((e: unknown) => e);
  assert.is((unknown as { code?: string }).code, 'PERSON_NOT_FOUND');
  const bad = await enrolPerson(store, gallery, engine, { personId: 'alice', images: [Buffer.from('nope')], consent: true }).catch((e: unknown) => e);
  assert.is((bad as { code?: string }).code, 'BAD_IMAGE');
  assert.is(countRows(store, 'face_templates') + countRows(store, 'consents') + countRows(store, 'credentials'), 0);
  assert.is(store.meta.getInt(META_KEYS.templatesVersion), 0);
  await gallery.close();
  store.close();
});

test('writes template, face credential and consent together, bumps the gallery version, updates the live matcher; no photo kept', async () => {
  const { store, repo, gallery } = open();
  const engine = await sharedEngine();
  const r = await enrolPerson(store, gallery, engine, { personId: 'alice', images: [await alicePhoto(), Buffer.from('junk')], consent: true, consentSource: 'test' });
  assert.is(r.modelId, 'faceplugin-0.0.1');
  assert.equal(r.replaced, []);
  assert.is(r.photo, undefined);
  assert.equal(r.warnings.map((w) => w.code), ['BAD_IMAGE']);
  assert.equal(r.images.map((i) => i.used), [true, false]);
  const row = store.db.prepare<[], { id: string; person_id: string; model_id: string; dim: number; len: number }>('SELECT id, person_id, model_id, dim, length(template) AS len FROM face_templates').get();
  assert.equal(row, { id: r.templateId, person_id: 'alice', model_id: 'faceplugin-0.0.1', dim: 512, len: 2048 });
  assert.is(repo.findCredential('face', 'alice')?.personId, 'alice');
  assert.is(repo.listConsents('alice')[0]?.kind, FACE_CONSENT);
  assert.is(repo.listConsents('alice')[0]?.source, 'test');
  assert.is(r.templatesVersion, 1);
  assert.is(store.meta.getInt(META_KEYS.templatesVersion), 1);
  assert.ok(gallery.has(r.templateId));
  assert.is(gallery.sync(), null, 'in step with the store: the template store told it');
  await gallery.close();
  store.close();
});

test('the same face enrolled for someone else warns DUPLICATE_FACE; re-enrolling replaces the template', async () => {
  const { store, gallery } = open();
  const engine = await sharedEngine();
  const photo = await alicePhoto();
  const first = await enrolPerson(store, gallery, engine, { personId: 'alice', images: [photo], consent: true });
  const dup = await enrolPerson(store, gallery, engine, { personId: 'bob', images: [photo], consent: true });
  const w = dup.warnings.find((x) => x.code === 'DUPLICATE_FACE');
  assert.is(w?.personId, 'alice');
  assert.ok(w!.score! >= faceThresholds('faceplugin-0.0.1').identify);
  const again = await enrolPerson(store, gallery, engine, { personId: 'alice', images: [photo], consent: true, keepPhoto: true });
  assert.equal(again.replaced, [first.templateId]);
  assert.not.ok(gallery.has(first.templateId));
  assert.ok(gallery.has(again.templateId));
  assert.is(gallery.size, 2);
  assert.ok(again.photo && again.photo[0] === 0xff && again.photo[1] === 0xd8, 'the kept photo is returned as a JPEG');
  const blobs = store.db.prepare<[], number>("SELECT count(*) FROM face_templates WHERE length(template) <> 2048").pluck().get();
  assert.is(blobs, 0, 'the photo was not stored');
  await gallery.close();
  store.close();
});

test('LiveGallery follows enrolments and erasures made through another connection (another process)', async () => {
  const path = join(dir, `g${n++}.db`);
  const a = open(path);
  const b = open(path);
  assert.equal(await a.gallery.load().then((r) => r.loaded), 0);
  const engine = await sharedEngine();
  const other = await enrolPerson(b.store, b.gallery, engine, { personId: 'alice', images: [await alicePhoto()], consent: true });
  assert.not.ok(a.gallery.has(other.templateId));
  assert.equal(a.gallery.sync(), { added: 1, removed: 0, skipped: [] });
  assert.ok(a.gallery.has(other.templateId));
  assert.is(a.gallery.sync(), null, 'nothing new');
  const [probe] = await engine.analyseImage(await decodeImage(await alicePhoto()));
  const hit = (await a.gallery.search(probe!.embedding!, 1))[0];
  assert.is(hit?.personId, 'alice');

  assert.ok(b.repo.removePerson('alice'));
  // search syncs first: an erased person is never matched.
  const after = await a.gallery.search(new Float32Array(512).fill(1 / Math.sqrt(512)), 1);
  assert.equal(after, []);
  assert.not.ok(a.gallery.has(other.templateId));

  // a fresh load sees the same as the synced gallery
  const fresh = new LiveGallery(a.store, new Matcher(), 'faceplugin-0.0.1');
  assert.is((await fresh.load()).loaded, 0);
  await fresh.close();
  for (const x of [a, b]) {
    await x.gallery.close();
    x.store.close();
  }
});

test.after(async () => {
  await closeSharedEngine();
  rmSync(dir, { recursive: true, force: true });
});
test.run();
