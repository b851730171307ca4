import { test } from 'uvu';
import * as assert from 'uvu/assert';
// Loading a model's templates from the template store into a matcher, and the float32
// source the matcher settles near ties with.
import { exactTemplatesFrom, loadTemplates } from '../../../firmware/face/gallery.js';
import { Store, decodeTemplate, encodeTemplate, sealedTemplateCodec } from '../../../firmware/store/index.js';
import { Matcher } from '../../../firmware/vision/matcher/index.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { clusteredGallery, gaussian, randomUnit, rng } from '../vision/matcher/fixtures.js';

const DIM = 512;

test('templates round-trip through the BLOB encoding', () => {
  const t = Float32Array.from({ length: 8 }, (_, i) => i - 3.5);
  const blob = encodeTemplate(t);
  assert.is(blob.length, 32);
  assert.equal(Array.from(decodeTemplate(blob, 8)!), Array.from(t));
  // An unaligned buffer decodes too.
  const shifted = Buffer.concat([Buffer.alloc(1), blob]).subarray(1);
  assert.equal(Array.from(decodeTemplate(shifted, 8)!), Array.from(t));
  assert.is(decodeTemplate(blob, 7), null);
});

test('loadTemplates loads one model\'s templates and skips bad rows', async () => {
  const store = Store.open({ path: ':memory:', terminalId: 't1', clock: new FakeClock() });
  const matcher = new Matcher({ dim: DIM, clock: new FakeClock() });
  try {
    const g = clusteredGallery(20, 3, DIM, 21);
    const db = store.db;
    const person = db.prepare('INSERT INTO persons (id, name, created_at, updated_at) VALUES (?, ?, 0, 0)');
    const tpl = db.prepare(
      'INSERT INTO face_templates (id, person_id, model_id, dim, template, quality, created_at) VALUES (?, ?, ?, ?, ?, 0.9, 0)',
    );
    db.transaction(() => {
      for (let p = 0; p < 20; p++) person.run(`p${p}`, `Person ${p}`);
      for (const t of g.templates) tpl.run(t.id, t.person, 'faceplugin-0.0.1', DIM, encodeTemplate(t.vector));
      tpl.run('other-model', 'p1', 'another-set', DIM, encodeTemplate(g.templates[0]!.vector));
      tpl.run('bad-dim', 'p1', 'faceplugin-0.0.1', 128, encodeTemplate(new Float32Array(128).fill(1)));
      tpl.run('bad-blob', 'p1', 'faceplugin-0.0.1', DIM, Buffer.alloc(10));
      tpl.run('zeros', 'p1', 'faceplugin-0.0.1', DIM, encodeTemplate(new Float32Array(DIM)));
    })();

    const result = await loadTemplates(store.templates, matcher, 'faceplugin-0.0.1');
    assert.is(result.loaded, 60);
    assert.equal(result.skipped.map((s) => s.id).sort(), ['bad-blob', 'bad-dim', 'zeros']);
    assert.is(matcher.size, 60);
    assert.is(matcher.personCount, 20);
    assert.is(matcher.stats.pendingRows, 0, 'indexed after loading');
    assert.not.ok(matcher.has('other-model'));
    const hit = (await matcher.search(g.centres[11]!))[0]!;
    assert.is(hit.personId, 'p11');

    // Through the store's codec: a sealing store reads the plain rows of before encryption too.
    const sealing = Store.open({ path: ':memory:', terminalId: 't1', clock: new FakeClock(), templateCodec: sealedTemplateCodec(Buffer.alloc(32, 3)) });
    const other = new Matcher({ dim: DIM, clock: new FakeClock() });
    sealing.db.prepare("INSERT INTO persons (id, name, created_at, updated_at) VALUES ('p0', 'P', 0, 0)").run();
    sealing.templates.add('p0', [{ id: 'sealed', modelId: 'm', template: g.templates[0]!.vector }]);
    sealing.db.prepare("INSERT INTO face_templates (id, person_id, model_id, dim, template, created_at) VALUES ('plain', 'p0', 'm', ?, ?, 0)").run(DIM, encodeTemplate(g.templates[1]!.vector));
    const decoded = await loadTemplates(sealing.templates, other, 'm');
    await other.close();
    sealing.close();
    assert.equal([decoded.loaded, decoded.skipped], [2, []]);
  } finally {
    await matcher.close();
    store.close();
  }
});

test('exactTemplatesFrom reads float32 templates by id, and a matcher settles a near tie with them', async () => {
  const store = Store.open({ path: ':memory:', terminalId: 't1', clock: new FakeClock() });
  const matcher = new Matcher({ dim: DIM, clock: new FakeClock(), exactTemplates: exactTemplatesFrom(store.templates, 'm1') });
  try {
    const a = randomUnit(DIM, gaussian(rng(22)));
    const b = Float32Array.from(a);
    b[0] = a[0]! + 1e-6; // the same float16 halves as a, a different float32 template
    const db = store.db;
    db.prepare("INSERT INTO persons (id, name, created_at, updated_at) VALUES ('pa', 'A', 0, 0), ('pb', 'B', 0, 0)").run();
    const tpl = db.prepare('INSERT INTO face_templates (id, person_id, model_id, dim, template, quality, created_at) VALUES (?, ?, ?, ?, ?, NULL, 0)');
    tpl.run('a', 'pa', 'm1', DIM, encodeTemplate(a));
    tpl.run('b', 'pb', 'm1', DIM, encodeTemplate(b));
    tpl.run('other', 'pa', 'm2', DIM, encodeTemplate(a));
    tpl.run('short', 'pa', 'm1', DIM, Buffer.alloc(12));

    const read = exactTemplatesFrom(store.templates, 'm1')(['b', 'nobody', 'other', 'short']);
    assert.equal(Array.from(read[0]!), Array.from(b));
    assert.equal(read.slice(1), [null, null, null]);
    assert.instance(await loadTemplates(store.templates, matcher, '').catch((e: unknown) => e), TypeError);

    await loadTemplates(store.templates, matcher, 'm1');
    const query = Float32Array.from(a);
    query[0] = a[0]! + 0.5;
    const hits = await matcher.search(query, 2);
    assert.equal(hits.map((h) => h.templateId), ['b', 'a']);
    assert.ok(hits[0]!.score > hits[1]!.score, 'exact float32 scores tell them apart');
    assert.is(matcher.rerankStats.resolved, 1);
  } finally {
    await matcher.close();
    store.close();
  }
});

test.run();
