/**
 * The anonymous-identity clusterer on synthetic unit vectors whose angles are known:
 * a template at cosine c from a centroid joins it exactly when c reaches the join
 * threshold; two identities merge when an update brings their centroids within the
 * merge threshold; state round-trips through identities().
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ClusterError,
  DEFAULT_JOIN_THRESHOLD,
  DEFAULT_MERGE_THRESHOLD,
  IncrementalClusterer,
} from '../../../../tools/site/community/cluster.js';

const DIM = 8;

/** Unit vector in the plane of axes i and j at `deg` degrees from axis i. */
function at(deg: number, i = 0, j = 1): Float32Array {
  const v = new Float32Array(DIM);
  v[i] = Math.cos((deg * Math.PI) / 180);
  v[j] = Math.sin((deg * Math.PI) / 180);
  return v;
}

const cosDeg = (deg: number) => Math.cos((deg * Math.PI) / 180);
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, k) => s + x * b[k]!, 0);

function ids() {
  let n = 0;
  return () => `anon-${++n}`;
}

test('defaults: merging asks for more than joining', () => {
  assert.ok(DEFAULT_MERGE_THRESHOLD > DEFAULT_JOIN_THRESHOLD);
  assert.ok(DEFAULT_JOIN_THRESHOLD > 0 && DEFAULT_MERGE_THRESHOLD < 1);
});

test('a template just above the join threshold joins; just below, it starts a new identity', () => {
  // join at cos 60° = 0.5; 59° joins, 61° does not.
  const c = new IncrementalClusterer({ joinThreshold: cosDeg(60), mergeThreshold: 0.99, newId: ids() });
  const first = c.add(at(0));
  assert.equal(first, { identityId: 'anon-1', created: true, mergedIds: [], similarity: -1 });
  const near = c.add(at(59, 0, 2));
  assert.is(near.identityId, 'anon-1');
  assert.is(near.created, false);
  assert.ok(Math.abs(near.similarity - cosDeg(59)) < 1e-6);
  const c2 = new IncrementalClusterer({ joinThreshold: cosDeg(60), mergeThreshold: 0.99, newId: ids() });
  c2.add(at(0));
  const far = c2.add(at(61, 0, 2));
  assert.is(far.identityId, 'anon-2');
  assert.is(far.created, true);
  assert.ok(Math.abs(far.similarity - cosDeg(61)) < 1e-6, 'a new identity reports its best miss');
});

test('a template joins the nearest of several identities, not the first', () => {
  const c = new IncrementalClusterer({ joinThreshold: 0.5, mergeThreshold: 0.99, newId: ids() });
  c.add(at(0)); // anon-1
  c.add(at(90)); // anon-2, orthogonal
  const r = c.add(at(70)); // cos 70° = 0.34 to anon-1, cos 20° = 0.94 to anon-2
  assert.is(r.identityId, 'anon-2');
  assert.ok(Math.abs(r.similarity - cosDeg(20)) < 1e-6);
});

test('the centroid is the renormalised running mean of the templates', () => {
  const c = new IncrementalClusterer({ joinThreshold: 0.3, mergeThreshold: 0.999, newId: ids() });
  c.add(at(0));
  c.add(at(40));
  const [one] = c.identities();
  assert.is(one!.count, 2);
  // The mean of two unit vectors 40° apart points half-way, at 20°.
  assert.ok(dot(one!.centroid, at(20)) > 1 - 1e-6);
  c.add(at(40));
  // Weights 2 (at 20°) and 1 (at 40°): direction of 2·u20 + u40.
  const expected = at(20).map((x, k) => 2 * x + at(40)[k]!);
  const norm = Math.hypot(...expected);
  const got = c.identities()[0]!;
  assert.is(got.count, 3);
  assert.ok(dot(got.centroid, expected.map((x) => x / norm)) > 1 - 1e-6);
  assert.ok(Math.abs(Math.hypot(...got.centroid) - 1) < 1e-6, 'centroid stays unit length');
});

function mergeScenario(countA: number) {
  // join cos 50°, merge cos 30°. A at 0°, B at 40° (as persisted; 40° apart, no merge yet).
  const c = new IncrementalClusterer({
    joinThreshold: cosDeg(50),
    mergeThreshold: cosDeg(30),
    newId: ids(),
    identities: [{ id: 'A', centroid: at(0), count: countA }, { id: 'B', centroid: at(40), count: 1 }],
  });
  // 25° is 15° from B, 25° from A: joins B, whose centroid moves to 32.5°, still > 30° from A.
  const first = c.add(at(25));
  const countAfterFirst = c.identities().length;
  // 20° is 12.5° from B: joins B, centroid of 2·u32.5° + u20° is at 28.3°, within 30° of A.
  const second = c.add(at(20));
  return { c, first, second, countAfterFirst };
}

test('an update that brings two centroids within the merge threshold merges them into the larger', () => {
  const { c, first, second, countAfterFirst } = mergeScenario(1);
  assert.equal(first, { identityId: 'B', created: false, mergedIds: [], similarity: first.similarity });
  assert.is(countAfterFirst, 2);
  assert.is(second.identityId, 'B', 'B (3 templates) keeps its id over A (1)');
  assert.equal(second.mergedIds, ['A']);
  const [only] = c.identities();
  assert.is(only!.id, 'B');
  assert.is(only!.count, 4);
  // Weighted mean of B (3 at 28.34°) and A (1 at 0°).
  const b = at(28.34);
  const expected = b.map((x, k) => 3 * x + at(0)[k]!);
  const n = Math.hypot(...expected);
  assert.ok(dot(only!.centroid, expected.map((x) => x / n)) > 1 - 1e-4);
});

test('the identity a template joined can itself be absorbed by a larger one', () => {
  const { c, second } = mergeScenario(5);
  assert.is(second.identityId, 'A', 'A (5 templates) keeps its id over B (3)');
  assert.equal(second.mergedIds, ['B']);
  assert.is(second.created, false);
  assert.equal(c.identities().map((i) => [i.id, i.count]), [['A', 8]]);
});

test('no merge when the updated centroid stays outside the merge threshold', () => {
  const c = new IncrementalClusterer({ joinThreshold: cosDeg(50), mergeThreshold: cosDeg(30), newId: ids(), identities: [{ id: 'A', centroid: at(0), count: 1 }, { id: 'B', centroid: at(40), count: 1 }] });
  const r = c.add(at(45)); // joins B, which moves away from A
  assert.equal(r.mergedIds, []);
  assert.is(c.identities().length, 2);
});

test('identities round-trip: a new clusterer from identities() decides the same', () => {
  const a = new IncrementalClusterer({ joinThreshold: 0.5, mergeThreshold: 0.9, newId: ids() });
  a.add(at(0));
  a.add(at(10));
  a.add(at(90));
  const saved = a.identities();
  saved[0]!.centroid[0] = 42; // a copy: does not change the clusterer
  const b = new IncrementalClusterer({ joinThreshold: 0.5, mergeThreshold: 0.9, newId: () => 'fresh', identities: a.identities() });
  const ra = a.add(at(85));
  const rb = b.add(at(85));
  assert.is(rb.identityId, ra.identityId);
  assert.ok(Math.abs(rb.similarity - ra.similarity) < 1e-6);
});

test('remove forgets an identity; an unknown id is a coded error', () => {
  const c = new IncrementalClusterer({ joinThreshold: 0.5, mergeThreshold: 0.9, newId: ids() });
  c.add(at(0));
  c.remove('anon-1');
  assert.equal(c.identities(), []);
  assert.is(c.add(at(0)).created, true);
  try {
    c.remove('nobody');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ClusterError);
    assert.is((err as ClusterError).code, 'UNKNOWN_IDENTITY');
  }
});

test('bad templates and options are refused with a code, not a crash', () => {
  const c = new IncrementalClusterer({ joinThreshold: 0.5, mergeThreshold: 0.9, newId: ids() });
  c.add(at(0));
  const bad: unknown[] = [new Float32Array(DIM), new Float32Array(4).fill(1), Float32Array.from([NaN, ...new Array(DIM - 1).fill(0)]), [1, 0], null];
  for (const t of bad) {
    try {
      c.add(t as Float32Array);
      assert.unreachable(`accepted ${String(t)}`);
    } catch (err) {
      assert.instance(err, ClusterError);
      assert.is((err as ClusterError).code, 'BAD_TEMPLATE');
    }
  }
  for (const opts of [
    { joinThreshold: 2, mergeThreshold: 0.9, newId: ids() },
    { joinThreshold: 0.5, mergeThreshold: Number.NaN, newId: ids() },
    { joinThreshold: 0.5, mergeThreshold: 0.9, newId: ids(), identities: [{ id: 'x', centroid: at(0), count: 0 }] },
    { joinThreshold: 0.5, mergeThreshold: 0.9, newId: ids(), identities: [{ id: 'x', centroid: at(0), count: 1 }, { id: 'x', centroid: at(9), count: 1 }] },
  ]) {
    try {
      new IncrementalClusterer(opts);
      assert.unreachable();
    } catch (err) {
      assert.is((err as ClusterError).code, 'BAD_OPTIONS');
    }
  }
  const dup = new IncrementalClusterer({ joinThreshold: 0.5, mergeThreshold: 0.9, newId: () => 'same' });
  dup.add(at(0));
  assert.throws(() => dup.add(at(90)), (e: unknown) => (e as ClusterError).code === 'BAD_OPTIONS');
});

test.run();
