// LiveGallery over a store with sealed templates (no models needed): load, changes made
// through this store arrive by the template store's events, changes another connection
// made (the CLI on a running terminal's file) are found through data_version.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { AccessRepository } from '../../../firmware/access/index.js';
import { LiveGallery } from '../../../firmware/face/index.js';
import { isSealed } from '../../../firmware/security/index.js';
import { Store, sealedTemplateCodec } from '../../../firmware/store/index.js';
import { Matcher } from '../../../firmware/vision/matcher/index.js';

const MODEL = 'test-model';
const DIM = 16;
const KEY = Buffer.alloc(32, 1);

function unit(seed: number): Float32Array {
  const v = Float32Array.from({ length: DIM }, (_, i) => Math.sin(seed * 7.1 + i * 1.3));
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

function openStore(path = ':memory:') {
  const clock = new FakeClock();
  const store = Store.open({ path, terminalId: 't', clock, templateCodec: sealedTemplateCodec(KEY) });
  const repo = new AccessRepository(store);
  if (!repo.getGroup('residents')) {
    const group = repo.addGroup({ id: 'residents', name: 'residents', scheduleId: null });
    for (const id of ['alice', 'bob', 'carol']) repo.addPerson({ id, name: id, groupIds: [group.id] });
  }
  return { store, repo, clock };
}

function open(path?: string) {
  const s = openStore(path);
  const gallery = new LiveGallery(s.store, new Matcher({ dim: DIM, clock: s.clock }), MODEL);
  return { ...s, gallery };
}

/** A row written around the template store, as a damaged or foreign file would hold it. */
function insertRaw(store: Store, id: string, personId: string, blob: Buffer) {
  store.db.prepare('INSERT INTO face_templates (id, person_id, model_id, dim, template, quality, created_at) VALUES (?, ?, ?, ?, ?, NULL, 0)').run(id, personId, MODEL, DIM, blob);
}

test('loads sealed templates and skips rows that do not open', async () => {
  const { store, gallery } = open();
  store.templates.add('alice', [{ id: 'a1', modelId: MODEL, template: unit(1) }]);
  assert.ok(isSealed(store.db.prepare<[], Buffer>("SELECT template FROM face_templates WHERE id = 'a1'").pluck().get()!));
  // Sealed under another key, and a sealed blob moved to another row: neither opens.
  insertRaw(store, 'b1', 'bob', sealedTemplateCodec(Buffer.alloc(32, 2)).encode('b1', unit(2)));
  insertRaw(store, 'c1', 'carol', store.templates.codec.encode('a1', unit(3)));
  const loaded = await gallery.load();
  assert.is(loaded.loaded, 1);
  assert.equal(loaded.skipped.map((s) => s.id).sort(), ['b1', 'c1']);
  assert.equal([...gallery.matcher.templateIds()], ['a1']);
  assert.is((await gallery.search(unit(1), 1))[0]?.personId, 'alice');
  assert.is(gallery.sync(), null, 'nothing changed');
  await gallery.close();
  store.close();
});

test('changes made through this store reach the gallery when they commit, without a sync', async () => {
  const { store, repo, gallery } = open();
  await gallery.load();
  store.templates.add('alice', [{ id: 'a1', modelId: MODEL, template: unit(1) }]);
  assert.ok(gallery.has('a1'), 'added by the event');
  store.templates.replace('bob', [{ id: 'b1', modelId: MODEL, template: unit(2) }, { id: 'b-other', modelId: 'other-model', template: unit(5) }]);
  assert.ok(gallery.has('b1'));
  assert.not.ok(gallery.has('b-other'), 'another model stays out');

  // A rolled-back transaction tells nothing.
  assert.throws(() =>
    store.transaction(() => {
      store.templates.add('carol', [{ id: 'c1', modelId: MODEL, template: unit(3) }]);
      throw new Error('abort');
    }),
  );
  assert.not.ok(gallery.has('c1'));

  // Several changes in one transaction arrive once it commits.
  store.transaction(() => {
    store.templates.add('carol', [{ id: 'c1', modelId: MODEL, template: unit(3) }]);
    assert.not.ok(gallery.has('c1'), 'not before the commit');
    store.templates.replace('alice', [{ id: 'a2', modelId: MODEL, template: unit(4) }]);
  });
  assert.equal([...gallery.matcher.templateIds()].sort(), ['a2', 'b1', 'c1']);

  // A fleet upsert reuses template ids with new values: the gallery takes the new ones.
  store.templates.replace('alice', [{ id: 'a2', modelId: MODEL, template: unit(6) }]);
  assert.is((await gallery.search(unit(6), 1))[0]?.templateId, 'a2');
  assert.ok((await gallery.search(unit(6), 1))[0]!.score > 0.99);

  repo.removePerson('alice');
  assert.not.ok(gallery.has('a2'), 'erasure arrives by the event too');
  assert.is(gallery.loadedVersion, store.templates.version());
  assert.is(gallery.sync(), null, 'in step: no comparison needed');
  await gallery.close();
  store.templates.add('bob', [{ id: 'b2', modelId: MODEL, template: unit(7) }]);
  store.close();
});

test('changes another connection made (another process) are found at the next sync or search', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-live-gallery-'));
  try {
    const path = join(dir, 'g.db');
    const terminal = open(path);
    const cli = openStore(path);
    await terminal.gallery.load();
    assert.is(terminal.gallery.sync(), null);

    cli.store.templates.add('alice', [{ id: 'a1', modelId: MODEL, template: unit(1) }]);
    assert.not.ok(terminal.gallery.has('a1'), 'no event crosses processes');
    assert.equal(terminal.gallery.sync(), { added: 1, removed: 0, skipped: [] });
    assert.is(terminal.gallery.sync(), null);

    // Erased elsewhere: the next search does not find them.
    cli.repo.removePerson('alice');
    assert.equal(await terminal.gallery.search(unit(1), 1), []);

    // Another connection's change followed by one of this store's: the event does not hide the other.
    cli.store.templates.add('bob', [{ id: 'b1', modelId: MODEL, template: unit(2) }]);
    terminal.store.templates.add('carol', [{ id: 'c1', modelId: MODEL, template: unit(3) }]);
    assert.ok(terminal.gallery.has('c1'));
    assert.equal(terminal.gallery.sync(), { added: 1, removed: 0, skipped: [] });
    assert.ok(terminal.gallery.has('b1'));

    // Writes elsewhere that leave templates alone cost no comparison.
    cli.repo.addPerson({ id: 'dave', name: 'Dave' });
    assert.is(terminal.gallery.sync(), null);
    cli.store.close();
    await terminal.gallery.close();
    terminal.store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
