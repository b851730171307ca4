import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { IdTable } from '../../../../firmware/vision/matcher/id-table.js';

test('inserts, finds, reads back and removes ids; handles are reused', () => {
  const t = new IdTable();
  const a = t.insert('alpha');
  const b = t.insert('beta');
  assert.is.not(a, b);
  assert.is(t.size, 2);
  assert.is(t.find('alpha'), a);
  assert.is(t.find('beta'), b);
  assert.is(t.find('gamma'), -1);
  assert.is(t.find('alph'), -1, 'a prefix is another id');
  assert.is(t.value(b), 'beta');
  t.remove(a);
  assert.not.ok(t.has('alpha'));
  assert.is(t.size, 1);
  assert.throws(() => t.remove(a), TypeError);
  assert.throws(() => t.value(a), TypeError);
  const c = t.insert('gamma');
  assert.is(c, a, 'the freed handle is reused');
  assert.equal([...t.values()].sort(), ['beta', 'gamma']);
  assert.ok(t.handleLimit >= 2);
  assert.throws(() => t.insert(''), TypeError);
  assert.throws(() => new IdTable(4).insert('12345'), TypeError);
  t.clear();
  assert.is(t.size, 0);
  assert.is(t.find('beta'), -1);
});

test('non-Latin-1 ids switch the table to UTF-16 and keep the earlier ones', () => {
  const t = new IdTable();
  const ascii = t.insert('person-1');
  const latin = t.insert('José');
  const wide = t.insert('顔-テンプレート');
  const emoji = t.insert('🙂 face');
  for (const [h, id] of [
    [ascii, 'person-1'],
    [latin, 'José'],
    [wide, '顔-テンプレート'],
    [emoji, '🙂 face'],
  ] as const) {
    assert.is(t.value(h), id);
    assert.is(t.find(id), h);
  }
});

test('behaves like a Map under random inserts and removals (growth, rehash, compaction)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.string({ minLength: 1, maxLength: 12, unit: 'binary' })), { maxLength: 400 }),
      (ops) => {
        const t = new IdTable();
        const model = new Map<string, number>();
        for (const [add, id] of ops) {
          if (add && !model.has(id)) model.set(id, t.insert(id));
          else if (!add && model.has(id)) {
            t.remove(model.get(id)!);
            model.delete(id);
          }
        }
        assert.is(t.size, model.size);
        for (const [id, h] of model) {
          assert.is(t.find(id), h);
          assert.is(t.value(h), id);
        }
        for (const [, id] of ops) if (!model.has(id)) assert.is(t.find(id), -1);
        assert.equal([...t.values()].sort(), [...model.keys()].sort());
      },
    ),
    { numRuns: 200 },
  );
});

test('many ids, most removed, then more: character storage is compacted and lookups still hold', () => {
  const t = new IdTable();
  const handles = new Map<string, number>();
  for (let i = 0; i < 20_000; i++) handles.set(`template-${i}`, t.insert(`template-${i}`));
  for (let i = 0; i < 20_000; i++) {
    if (i % 10 !== 0) {
      t.remove(handles.get(`template-${i}`)!);
      handles.delete(`template-${i}`);
    }
  }
  for (let i = 0; i < 5_000; i++) handles.set(`again-${i}`, t.insert(`again-${i}`));
  assert.is(t.size, handles.size);
  for (const [id, h] of handles) assert.is(t.value(h), id);
  assert.is(t.find('template-5'), -1);
  assert.is(t.find('template-10'), handles.get('template-10'));
});

test.run();
