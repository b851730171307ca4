import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../../hal/sim/fake-clock.js';
import { Matcher, MatcherError, type MatcherOptions } from '../../../../firmware/vision/matcher/index.js';
import type { FaceMatcher } from '../../../../firmware/vision/decisions.js';
import { clusteredGallery, gaussian, jitter, randomGallery, randomUnit, rng, type Gallery } from './fixtures.js';

const DIM = 512;
/** The float16 error bound never exceeds 2^-11·1.001 + 2^-25·√dim (< 5e-4 at 512-d). */
const HALF_TOLERANCE = 5e-4;
const open: Matcher[] = [];

function matcher(options: MatcherOptions = {}): Matcher {
  // A fake clock that is never advanced: indexing happens only on flush().
  const m = new Matcher({ dim: DIM, clock: new FakeClock(), ...options });
  open.push(m);
  return m;
}

function fill(m: Matcher, g: Gallery): void {
  for (const t of g.templates) m.add(t.id, t.person, t.vector);
}

test.after(async () => {
  await Promise.all(open.map((m) => m.close()));
});

async function expectAgreement(m: Matcher, queries: Float32Array[], k: number): Promise<void> {
  for (const [i, q] of queries.entries()) {
    const fast = await m.search(q, k);
    const exact = m.searchExact(q, k);
    assert.equal(
      fast.map((h) => [h.personId, h.templateId]),
      exact.map((h) => [h.personId, h.templateId]),
      `query ${i}: fast path and exact float disagree`,
    );
    for (let j = 0; j < fast.length; j++) assert.is(fast[j]!.score, exact[j]!.score, 'returned scores are exact');
  }
}

test('fast path top results equal exact float search on random data (several segments, pending rows)', async () => {
  const g = randomGallery(3000, DIM, 1);
  const m = matcher({ segmentSize: 1024 });
  fill(m, g);
  await m.flush();
  assert.ok(m.fastPathActive);
  assert.equal(m.stats, { segments: 3, indexedRows: 3000, pendingRows: 0, tombstones: 0 });
  // 100 more after indexing stay pending and are scored exactly.
  const extra = randomGallery(3100, DIM, 2).templates.slice(3000);
  for (const t of extra) m.add(t.id, t.person, t.vector);
  assert.is(m.stats.pendingRows, 100);

  const normal = gaussian(rng(3));
  const queries = [
    ...g.templates.slice(0, 60).map((t) => jitter(t.vector, 0.8, normal)),
    ...extra.slice(0, 20).map((t) => jitter(t.vector, 0.8, normal)),
    ...Array.from({ length: 40 }, () => randomUnit(DIM, normal)),
  ];
  await expectAgreement(m, queries, 3);
  const hit = (await m.search(jitter(extra[5]!.vector, 0.3, normal)))[0]!;
  assert.is(hit.templateId, extra[5]!.id);
});

test('fast path equals exact on clustered look-alikes with several templates per person', async () => {
  const g = clusteredGallery(400, 5, DIM, 4);
  const m = matcher({ segmentSize: 700 });
  fill(m, g);
  await m.flush();
  const normal = gaussian(rng(5));
  const queries = [
    ...g.centres.slice(0, 100).map((c) => jitter(c, 0.6, normal)),
    ...Array.from({ length: 30 }, () => randomUnit(DIM, normal)),
  ];
  await expectAgreement(m, queries, 5);
  const hits = await m.search(g.centres[7]!, 5);
  assert.is(hits[0]!.personId, 'p7');
  assert.is(new Set(hits.map((h) => h.personId)).size, hits.length, 'each person once');
  for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.score >= hits[i]!.score, 'best first');
});

test('float-only matcher answers the same as the exact scan', async () => {
  const g = clusteredGallery(50, 3, DIM, 6);
  const m = matcher({ fastPath: 'float' });
  const pluggable: FaceMatcher = m; // the recogniser takes it as is
  assert.ok(pluggable);
  fill(m, g);
  await m.flush();
  assert.not.ok(m.fastPathActive);
  const q = g.centres[3]!;
  assert.equal(await m.search(q, 4), m.searchExact(q, 4));
});

test('remove and removePerson take templates out, before and after compaction', async () => {
  const g = clusteredGallery(30, 4, DIM, 7);
  const m = matcher({ segmentSize: 50 });
  fill(m, g);
  await m.flush();
  assert.is(m.size, 120);
  assert.is(m.personCount, 30);

  const before = (await m.search(g.centres[2]!, 1))[0]!;
  assert.is(before.personId, 'p2');
  assert.ok(m.remove(before.templateId));
  assert.not.ok(m.remove(before.templateId), 'second remove reports nothing to remove');
  assert.not.ok(m.has(before.templateId));
  const after = (await m.search(g.centres[2]!, 1))[0]!;
  assert.is(after.personId, 'p2');
  assert.is.not(after.templateId, before.templateId);

  assert.is(m.removePerson('p2'), 3);
  assert.is(m.removePerson('p2'), 0);
  assert.equal(m.templatesOf('p2'), []);
  assert.is(m.size, 116);
  assert.is(m.personCount, 29);
  for (const hits of [await m.search(g.centres[2]!, 30), m.searchExact(g.centres[2]!, 30)]) {
    assert.ok(hits.every((h) => h.personId !== 'p2'));
    assert.is(hits.length, 29);
  }
  assert.ok(m.stats.tombstones > 0);

  await m.flush();
  assert.is(m.stats.tombstones, 0, 'flush compacts');
  assert.is(m.stats.indexedRows, 116);
  const normal = gaussian(rng(8));
  await expectAgreement(m, g.centres.map((c) => jitter(c, 0.5, normal)), 3);
  // Rows moved by compaction are still found by id (verify reads rows by position).
  const v = m.verify('p9', g.centres[9]!)!;
  assert.is(v.personId, 'p9');
  assert.ok(m.has(v.templateId));
});

test('a segment emptied by removals is dropped, and the ids can be added again', async () => {
  const g = randomGallery(40, DIM, 9);
  const m = matcher({ segmentSize: 16 });
  fill(m, g);
  await m.flush();
  assert.is(m.stats.segments, 3);
  for (const t of g.templates.slice(0, 16)) m.remove(t.id);
  await m.flush();
  assert.is(m.stats.segments, 2);
  for (const t of g.templates.slice(0, 16)) m.add(t.id, t.person, t.vector);
  assert.is(m.size, 40);
  const hit = (await m.search(g.templates[3]!.vector))[0]!;
  assert.is(hit.templateId, 't3');
  assert.ok(Math.abs(hit.score - 1) < HALF_TOLERANCE, 'a template scores 1 against itself, to float16 precision');
});

test('an empty gallery answers with nothing, also after its last template is removed', async () => {
  const m = matcher();
  const q = randomUnit(DIM, gaussian(rng(10)));
  assert.equal(await m.search(q, 3), []);
  assert.equal(m.searchExact(q, 3), []);
  assert.is(m.verify('nobody', q), null);
  await m.flush();
  m.add('a', 'p', q);
  await m.flush();
  assert.is((await m.search(q))[0]!.templateId, 'a');
  m.remove('a');
  assert.equal(await m.search(q), []);
  await m.flush();
  assert.equal(await m.search(q), []);
  assert.is(m.size, 0);
  assert.is(m.stats.segments, 0);
});

for (const [storage, tolerance] of [['float32', 1e-5], ['float16', HALF_TOLERANCE]] as const) {
  test(`verify scores the best of the person's templates (${storage})`, async () => {
    const g = clusteredGallery(10, 3, DIM, 11);
    const m = matcher({ storage });
    fill(m, g);
    const q = jitter(g.centres[4]!, 0.3, gaussian(rng(12)));
    const v = m.verify('p4', q)!;
    const mine = g.templates.filter((t) => t.person === 'p4');
    const dots = mine.map((t) => t.vector.reduce((s, x, i) => s + x * q[i]!, 0));
    const best = Math.max(...dots);
    assert.is(v.templateId, mine[dots.indexOf(best)]!.id);
    assert.ok(Math.abs(v.score - best) < tolerance);
    const other = m.verify('p5', q)!;
    assert.ok(other.score < v.score);
    assert.is(m.verify('p404', q), null);
  });
}

for (const [storage, tolerance] of [['float32', 1e-6], ['float16', HALF_TOLERANCE]] as const) {
  test(`queries and templates are normalised; scores are cosines (${storage})`, async () => {
    const m = matcher({ dim: 4, storage });
    m.add('a', 'pa', [3, 0, 0, 0]);
    m.add('b', 'pb', Float32Array.of(1, 1, 0, 0));
    await m.flush();
    const hits = await m.search([10, 0, 0, 0], 2);
    assert.equal(hits.map((h) => h.templateId), ['a', 'b']);
    assert.ok(Math.abs(hits[0]!.score - 1) < tolerance);
    assert.ok(Math.abs(hits[1]!.score - Math.SQRT1_2) < tolerance);
  });
}

test('a template removed while a search is scanning is not returned', async () => {
  const g = randomGallery(200, DIM, 13);
  const m = matcher();
  fill(m, g);
  await m.flush();
  const pending = m.search(g.templates[42]!.vector, 1);
  m.remove('t42');
  const hits = await pending;
  assert.ok(hits.length === 1 && hits[0]!.templateId !== 't42');
});

test('a template added into a removed one\'s place mid-search is not credited with the old row\'s score', async () => {
  const g = randomGallery(200, DIM, 15);
  const m = matcher();
  fill(m, g);
  await m.flush();
  const normal = gaussian(rng(16));
  const v = randomUnit(DIM, normal);
  m.add('pending', 'p-pending', v); // scored in full, before the search awaits the int8 scan
  const search = m.search(v, 3);
  m.remove('pending');
  m.add('newcomer', 'p-new', randomUnit(DIM, normal)); // takes the freed slot
  const hits = await search;
  assert.ok(hits.every((h) => h.templateId !== 'pending'));
  const newcomer = hits.find((h) => h.templateId === 'newcomer');
  assert.ok(!newcomer || newcomer.score < 0.5, `newcomer scored ${newcomer?.score}, the removed row's score was 1`);
});

test('bad input gives MatcherError codes; programmer mistakes TypeError', async () => {
  const m = matcher({ dim: 4 });
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      assert.instance(err, MatcherError);
      return (err as MatcherError).code;
    }
    return 'no error';
  };
  assert.is(code(() => m.add('a', 'p', [1, 2, 3])), 'DIMENSION_MISMATCH');
  assert.is(code(() => m.add('a', 'p', [1, Number.NaN, 0, 0])), 'BAD_VECTOR');
  assert.is(code(() => m.add('a', 'p', [0, 0, 0, 0])), 'BAD_VECTOR');
  assert.is(code(() => m.add('', 'p', [1, 0, 0, 0])), 'BAD_ID');
  assert.is(code(() => m.add('a', 'x'.repeat(129), [1, 0, 0, 0])), 'BAD_ID');
  m.add('a', 'p', [1, 0, 0, 0]);
  assert.is(code(() => m.add('a', 'q', [0, 1, 0, 0])), 'DUPLICATE_TEMPLATE');
  assert.is(code(() => m.verify('p', [1, 0])), 'DIMENSION_MISMATCH');
  try {
    await m.search([1, 0, 0, Number.POSITIVE_INFINITY]);
    assert.unreachable();
  } catch (err) {
    assert.is((err as MatcherError).code, 'BAD_VECTOR');
  }
  assert.throws(() => m.searchExact([1, 0, 0, 0], 0), TypeError);
  assert.throws(() => new Matcher({ dim: 0 }), TypeError);
  assert.throws(() => new Matcher({ fastPath: 'gpu' as never }), TypeError);
  assert.is(m.size, 1, 'failed adds left nothing behind');

  await m.close();
  await m.close();
  assert.is(code(() => m.add('b', 'p', [1, 0, 0, 0])), 'CLOSED');
  await m.search([1, 0, 0, 0]).then(
    () => assert.unreachable(),
    (err: MatcherError) => assert.is(err.code, 'CLOSED'),
  );
});

test('changes schedule one debounced re-index on the clock', async () => {
  const clock = new FakeClock();
  const m = matcher({ clock, reindexDelayMs: 100 });
  const g = randomGallery(50, DIM, 14);
  fill(m, g);
  assert.is(clock.pendingTimers, 1, 'fifty adds, one timer');
  clock.advance(99);
  assert.is(clock.pendingTimers, 1);
  m.remove('t0');
  clock.advance(99);
  assert.is(clock.pendingTimers, 1, 'a change restarts the quiet period');
  clock.advance(1);
  assert.is(clock.pendingTimers, 0, 'fired');
  await m.flush();
  assert.equal(m.stats, { segments: 1, indexedRows: 49, pendingRows: 0, tombstones: 0 });
});

test.run();
