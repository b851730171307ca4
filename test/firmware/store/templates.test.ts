// The template store: the one owner of face_templates, its codec and its version, and
// the change events a live gallery follows.
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { createLogger } from '../../../firmware/log.js';
import { isSealed } from '../../../firmware/security/sealed.js';
import { Store, sealedTemplateCodec, type TemplatesChanged } from '../../../firmware/store/index.js';
import { tempDir } from './helpers.js';

const KEY = Buffer.alloc(32, 9);
const vec = (seed: number) => Float32Array.from({ length: 8 }, (_, i) => seed + i / 8);

function open(path = ':memory:', logger?: Parameters<typeof Store.open>[0]['logger']) {
  const store = Store.open({ path, terminalId: 'T1', clock: new FakeClock(), templateCodec: sealedTemplateCodec(KEY), ...(logger && { logger }) });
  for (const id of ['ann', 'ben']) {
    if (store.db.prepare('SELECT 1 FROM persons WHERE id = ?').get(id)) continue;
    store.db.prepare('INSERT INTO persons (id, name, created_at, updated_at) VALUES (?, ?, 0, 0)').run(id, id);
  }
  return store;
}

test('templates are sealed with the store codec, bound to their row, and read back', () => {
  const store = open();
  store.templates.add('ann', [{ id: 't1', modelId: 'm', template: vec(1) }]);
  const blob = store.db.prepare<[], Buffer>("SELECT template FROM face_templates WHERE id = 't1'").pluck().get()!;
  assert.ok(isSealed(blob));
  assert.equal(Array.from(store.templates.get('t1', 'm')!.template!), Array.from(vec(1)));
  assert.is(store.templates.get('t1', 'other-model'), undefined);
  // The same blob under another id does not open.
  store.db.prepare("INSERT INTO face_templates (id, person_id, model_id, dim, template, created_at) VALUES ('t2', 'ben', 'm', 8, ?, 0)").run(blob);
  assert.is(store.templates.get('t2', 'm')!.template, null);
  assert.equal(store.templates.listOf('ann', 'm').map((t) => t.id), ['t1']);
  store.close();
});

test('every change bumps the version once and is told after its commit; nothing changed, nothing told', () => {
  const store = open();
  const told: TemplatesChanged[] = [];
  store.templates.onChange((c) => told.push(c));
  assert.is(store.templates.version(), 0);
  store.templates.add('ann', [{ id: 't1', modelId: 'm', template: vec(1) }]);
  assert.equal(told, [{ personIds: ['ann'], from: 0, to: 1 }]);
  assert.equal(store.templates.replace('ann', [{ id: 't2', modelId: 'm', template: vec(2) }], ['m']), ['t1']);
  assert.is(store.templates.removePerson('ben'), 0, 'nothing to remove');
  assert.equal(told.length, 2);
  assert.is(store.templates.version(), 2);

  store.transaction(() => {
    store.templates.add('ben', [{ id: 't3', modelId: 'm', template: vec(3) }]);
    assert.is(told.length, 2, 'not before the commit');
    store.templates.removePerson('ann');
  });
  assert.equal(told[2], { personIds: ['ben', 'ann'], from: 2, to: 4 });

  assert.throws(() =>
    store.transaction(() => {
      store.templates.removePerson('ben');
      throw new Error('abort');
    }),
  );
  assert.is(told.length, 3, 'a rollback tells nothing');
  assert.is(store.templates.version(), 4);
  assert.is(store.templates.count('ben'), 1);
  store.close();
});

test('a throwing listener is logged; the write stands and the other listeners hear of it', () => {
  const errors: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      const line = JSON.parse(chunk.toString()) as { level: number; msg: string };
      if (line.level >= 50) errors.push(line.msg);
      done();
    },
  });
  const store = open(':memory:', createLogger({ level: 'info', destination }));
  let heard = 0;
  store.templates.onChange(() => {
    throw new Error('listener bug');
  });
  store.templates.onChange(() => heard++);
  store.templates.add('ann', [{ id: 't1', modelId: 'm', template: vec(1) }]);
  assert.is(heard, 1);
  assert.is(store.templates.count('ann'), 1);
  assert.equal(errors, ['a face templates listener failed']);
  store.close();
});

test('data_version moves when another connection commits, not for this one', () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 't.db');
    const a = open(path);
    const b = open(path);
    const before = a.templates.dataVersion();
    a.templates.add('ann', [{ id: 't1', modelId: 'm', template: vec(1) }]);
    assert.is(a.templates.dataVersion(), before, 'own writes');
    b.templates.add('ben', [{ id: 't2', modelId: 'm', template: vec(2) }]);
    assert.is.not(a.templates.dataVersion(), before, "the other connection's write");
    assert.is(a.templates.version(), 2, 'both bumped the one version');
    a.close();
    b.close();
  } finally {
    cleanup();
  }
});

test('plain rows are sealed in place with the data key; sealed ones are left alone', () => {
  const store = open();
  store.db.prepare("INSERT INTO face_templates (id, person_id, model_id, dim, template, created_at) VALUES ('p1', 'ann', 'm', 8, ?, 0)").run(Buffer.from(vec(1).buffer));
  store.templates.add('ben', [{ id: 's1', modelId: 'm', template: vec(2) }]);
  assert.is(store.templates.sealPlain(KEY), 1);
  assert.is(store.templates.sealPlain(KEY), 0);
  assert.ok(isSealed(store.db.prepare<[], Buffer>("SELECT template FROM face_templates WHERE id = 'p1'").pluck().get()!));
  assert.equal(Array.from(store.templates.get('p1', 'm')!.template!), Array.from(vec(1)));
  store.close();
});

test.run();
