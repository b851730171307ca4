// LiveGallery over a store with sealed templates: load, sync with enrolments and
// erasures made elsewhere, rows that do not open are skipped (no models needed).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { AccessRepository } from '../../../firmware/access/index.js';
import { LiveGallery } from '../../../firmware/face/index.js';
import { isSealed, sealedTemplateCodec } from '../../../firmware/security/index.js';
import { META_KEYS, Store } from '../../../firmware/store/index.js';
import { Matcher } from '../../../firmware/vision/matcher/index.js';

const MODEL = 'test-model';
const DIM = 16;

function unit(seed: number): Float32Array {
  const v = Float32Array.from({ length: DIM }, (_, i) => Math.sin(seed * 7.1 + i * 1.3));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function open() {
  const clock = new FakeClock();
  const store = Store.open({ path: ':memory:', terminalId: 't', clock, templateCodec: sealedTemplateCodec(Buffer.alloc(32, 1)) });
  const repo = new AccessRepository(store);
  const group = repo.addGroup({ name: 'residents', scheduleId: null });
  for (const id of ['alice', 'bob', 'carol']) repo.addPerson({ id, name: id, groupIds: [group.id] });
  const insert = (id: string, personId: string, blob: Buffer) => {
    store.transaction(() => {
      store.db
        .prepare('INSERT INTO face_templates (id, person_id, model_id, dim, template, quality, created_at) VALUES (?, ?, ?, ?, ?, NULL, 0)')
        .run(id, personId, MODEL, DIM, blob);
      store.meta.increment(META_KEYS.galleryVersion);
    });
  };
  const gallery = new LiveGallery(store, new Matcher({ dim: DIM, clock }), MODEL);
  return { store, repo, gallery, insert };
}

test('loads sealed templates, follows enrolments and erasures made elsewhere, skips rows that do not open', async () => {
  const { store, repo, gallery, insert } = open();
  const blob = store.templateCodec.encode('a1', unit(1));
  assert.ok(isSealed(blob));
  insert('a1', 'alice', blob);
  // Sealed under another key, and a sealed blob moved to another row: neither opens.
  insert('b1', 'bob', sealedTemplateCodec(Buffer.alloc(32, 2)).encode('b1', unit(2)));
  insert('c1', 'carol', store.templateCodec.encode('a1', unit(3)));
  const loaded = await gallery.load();
  assert.is(loaded.loaded, 1);
  assert.equal(loaded.skipped.map((s) => s.id).sort(), ['b1', 'c1']);
  assert.equal([...gallery.matcher.templateIds()], ['a1']);
  assert.is((await gallery.search(unit(1), 1))[0]?.personId, 'alice');

  assert.is(gallery.sync(), null, 'nothing changed');
  insert('a2', 'alice', store.templateCodec.encode('a2', unit(4)));
  assert.equal(gallery.sync(), { added: 1, removed: 0, skipped: ['b1', 'c1'] });
  assert.ok(gallery.has('a2'));

  repo.removePerson('alice');
  const synced = gallery.sync();
  assert.is(synced?.removed, 2);
  assert.is(gallery.size, 0);
  assert.equal(await gallery.search(unit(1), 1), []);
  await gallery.close();
  store.close();
});

test.run();
