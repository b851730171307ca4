// The float16 gallery against a float32 one: same top-1 as the exact float32
// search, scores within the bound, and near ties settled by exactTemplates.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../../hal/sim/fake-clock.js';
import { Matcher, type ExactTemplateSource, type MatcherOptions } from '../../../../firmware/vision/matcher/index.js';
import { silentLogger } from '../../../../firmware/log.js';
import { clusteredGallery, gaussian, jitter, randomGallery, randomUnit, rng, type Gallery } from './fixtures.js';

const DIM = 512;
const HALF_TOLERANCE = 5e-4;
const open: Matcher[] = [];

function matcher(options: MatcherOptions = {}): Matcher {
  const m = new Matcher({ dim: DIM, clock: new FakeClock(), ...options });
  open.push(m);
  return m;
}

function fill(m: Matcher, g: Gallery): void {
  for (const t of g.templates) m.add(t.id, t.person, t.vector);
}

function sourceOf(g: Gallery): ExactTemplateSource {
  const byId = new Map(g.templates.map((t) => [t.id, t.vector]));
  return (ids) => ids.map((id) => byId.get(id) ?? null);
}

test.after(async () => {
  await Promise.all(open.map((m) => m.close()));
});

/** Top-1 of a float16 gallery (fast path and full scan) against a float32 gallery's exact search. */
async function expectSameTop1(g: Gallery, queries: Float32Array[], options: MatcherOptions): Promise<void> {
  const reference = matcher({ storage: 'float32', fastPath: 'float' });
  const half = matcher({ segmentSize: 1024, ...options });
  assert.is(half.storage, 'float16', 'float16 is the default');
  fill(reference, g);
  fill(half, g);
  await half.flush();
  for (const [i, q] of queries.entries()) {
    const exact = reference.searchExact(q, 1)[0]!;
    for (const hit of [(await half.search(q, 1))[0]!, half.searchExact(q, 1)[0]!]) {
      assert.is(hit.templateId, exact.templateId, `query ${i}: float16 top-1 differs from float32 exact search`);
      assert.is(hit.personId, exact.personId);
      assert.ok(Math.abs(hit.score - exact.score) < HALF_TOLERANCE, `query ${i}: score ${hit.score} vs ${exact.score}`);
    }
  }
}

test('float16 top-1 equals float32 exact search on random data', async () => {
  const g = randomGallery(3000, DIM, 31);
  const normal = gaussian(rng(32));
  const queries = [
    ...g.templates.slice(0, 80).map((t) => jitter(t.vector, 0.8, normal)),
    ...Array.from({ length: 40 }, () => randomUnit(DIM, normal)),
  ];
  await expectSameTop1(g, queries, {});
});

test('float16 top-1 equals float32 exact search on clustered look-alikes, with and without exactTemplates', async () => {
  const g = clusteredGallery(600, 4, DIM, 33);
  const normal = gaussian(rng(34));
  const queries = [
    ...g.centres.slice(0, 100).map((c) => jitter(c, 0.6, normal)),
    ...Array.from({ length: 30 }, () => randomUnit(DIM, normal)),
  ];
  await expectSameTop1(g, queries, {});
  await expectSameTop1(g, queries, { exactTemplates: sourceOf(g) });
});

/**
 * Two people whose templates differ by less than float16 can show: the same
 * halves, different float32 values. A query leaning towards B's difference ranks
 * B first in float32; float16 cannot tell them apart.
 */
function nearTie(): { g: Gallery; query: Float32Array } {
  const normal = gaussian(rng(35));
  const a = randomUnit(DIM, normal);
  const b = Float32Array.from(a);
  b[0] = a[0]! + 1e-6;
  const query = Float32Array.from(a);
  query[0] = a[0]! + 0.5;
  return {
    g: {
      templates: [
        { id: 'a', person: 'pa', vector: a },
        { id: 'b', person: 'pb', vector: b },
      ],
      centres: [],
    },
    query,
  };
}

test('a near tie is resolved with exactTemplates: float32 order and score', async () => {
  const { g, query } = nearTie();
  const reference = matcher({ storage: 'float32' });
  fill(reference, g);
  const exact = reference.searchExact(query, 2);
  assert.is(exact[0]!.templateId, 'b', 'float32 ranks b first');

  const plain = matcher();
  fill(plain, g);
  await plain.flush();
  const [p0, p1] = await plain.search(query, 2);
  assert.is(p0!.score, p1!.score, 'float16 sees a tie');
  assert.equal(plain.rerankStats, { searches: 1, ambiguous: 1, resolved: 0 });

  let asked: readonly string[] = [];
  const source = sourceOf(g);
  const resolved = matcher({ exactTemplates: (ids) => ((asked = ids), source(ids)) });
  fill(resolved, g);
  await resolved.flush();
  for (const hits of [await resolved.search(query, 2), resolved.searchExact(query, 2)]) {
    assert.equal(
      hits.map((h) => [h.templateId, h.score]),
      exact.map((h) => [h.templateId, h.score]),
      'exact scores, float32 order',
    );
  }
  assert.equal([...asked].sort(), ['a', 'b'], 'only the tied candidates are read');
  assert.equal(resolved.rerankStats, { searches: 2, ambiguous: 2, resolved: 2 });
});

test('a source that fails or does not know an id leaves the float16 answer', async () => {
  const { g, query } = nearTie();
  const failing = matcher({
    logger: silentLogger(),
    exactTemplates: () => {
      throw new Error('store closed');
    },
  });
  const unknowing = matcher({ exactTemplates: (ids) => ids.map(() => null) });
  const malformed = matcher({ exactTemplates: (ids) => ids.map(() => [1, 2, 3]) });
  for (const m of [failing, unknowing, malformed]) {
    fill(m, g);
    const hits = await m.search(query, 2);
    assert.equal(hits.map((h) => h.templateId).sort(), ['a', 'b']);
    assert.is(m.rerankStats.resolved, 0);
  }
  assert.throws(() => new Matcher({ exactTemplates: 'store' as never }), TypeError);
  assert.throws(() => new Matcher({ storage: 'int4' as never }), TypeError);
});

test('templateIds lists the gallery; templatesOf keeps insertion order across removals', async () => {
  const m = matcher({ dim: 4 });
  m.add('t1', 'p', [1, 0, 0, 0]);
  m.add('t2', 'p', [0, 1, 0, 0]);
  m.add('t3', 'q', [0, 0, 1, 0]);
  m.add('t4', 'p', [0, 0, 0, 1]);
  assert.equal([...m.templateIds()].sort(), ['t1', 't2', 't3', 't4']);
  assert.equal(m.templatesOf('p'), ['t1', 't2', 't4']);
  m.remove('t2');
  assert.equal(m.templatesOf('p'), ['t1', 't4']);
  m.remove('t1');
  m.add('t5', 'p', [1, 1, 0, 0]);
  assert.equal(m.templatesOf('p'), ['t4', 't5']);
  assert.is(m.verify('p', [0, 0, 0, 1])!.templateId, 't4');
  m.removePerson('p');
  assert.equal([...m.templateIds()], ['t3']);
  assert.is(m.personCount, 1);
  // A freed person slot is reused for the next new person without mixing their templates.
  m.add('t6', 'r', [0, 1, 0, 0]);
  assert.equal(m.templatesOf('r'), ['t6']);
  assert.equal(m.templatesOf('p'), []);
  await m.flush();
  assert.is((await m.search([0, 1, 0, 0]))[0]!.personId, 'r');
});

test.run();
