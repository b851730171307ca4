import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { iou, nms, type ScoredBox } from '../../../firmware/vision/box.js';
import { IouTracker } from '../../../firmware/vision/tracker.js';

const box = (x: number, y: number, s = 100, score = 0.9): ScoredBox => ({ x1: x, y1: y, x2: x + s, y2: y + s, score });

test('iou and nms', () => {
  assert.is(iou(box(0, 0), box(0, 0)), 1);
  assert.is(iou(box(0, 0), box(200, 0)), 0);
  assert.ok(Math.abs(iou(box(0, 0), box(50, 0)) - 1 / 3) < 1e-12);
  const kept = nms([box(0, 0, 100, 0.8), box(5, 5, 100, 0.95), box(300, 0, 100, 0.7), box(8, 0, 100, 0.9)], 0.4);
  assert.equal(kept.map((b) => b.score), [0.95, 0.7]);
  assert.is(nms([box(0, 0), box(300, 0), box(600, 0)], 0.4, 2).length, 2);
});

test('a face moving across frames keeps one track id', () => {
  const t = new IouTracker();
  const ids = new Set<number>();
  for (let f = 0; f < 20; f++) {
    const u = t.update([box(100 + f * 8, 80 + f * 3, 120 + f)], f * 66);
    ids.add(u.assigned[0]!.id);
    assert.is(u.ended.length, 0);
  }
  assert.is(ids.size, 1);
  assert.is(t.active[0]!.hits, 20);
});

test('two faces keep their ids, also when the detection order swaps', () => {
  const t = new IouTracker();
  const first = t.update([box(0, 0), box(400, 0)], 0);
  const [a, b] = [first.assigned[0]!.id, first.assigned[1]!.id];
  assert.is(first.created.length, 2);
  const next = t.update([box(405, 3), box(6, 2)], 66);
  assert.is(next.assigned[0]!.id, b);
  assert.is(next.assigned[1]!.id, a);
  assert.is(next.created.length, 0);
});

test('greedy assignment prefers the best overlap and gives each track one box', () => {
  const t = new IouTracker({ iouThreshold: 0.1 });
  const id = t.update([box(0, 0)], 0).assigned[0]!.id;
  const u = t.update([box(40, 0), box(10, 0)], 66);
  assert.is(u.assigned[1]!.id, id);
  assert.not.equal(u.assigned[0]!.id, id);
  assert.is(u.created.length, 1);
});

test('a track ends after maxAgeMs unseen; the same place later is a new approach', () => {
  const t = new IouTracker({ maxAgeMs: 500 });
  const id = t.update([box(0, 0)], 0).assigned[0]!.id;
  assert.is(t.update([], 400).ended.length, 0);
  assert.is(t.update([box(2, 2)], 450).assigned[0]!.id, id); // brief dropout bridged
  const gone = t.update([], 1000);
  assert.equal(gone.ended.map((x) => x.id), [id]);
  assert.is(t.active.length, 0);
  const again = t.update([box(0, 0)], 1100);
  assert.not.equal(again.assigned[0]!.id, id);
  assert.equal(t.clear().map((x) => x.id), [again.assigned[0]!.id]);
});

test('a jump too far to overlap starts a new track', () => {
  const t = new IouTracker();
  const a = t.update([box(0, 0)], 0).assigned[0]!.id;
  const u = t.update([box(300, 300)], 66);
  assert.not.equal(u.assigned[0]!.id, a);
  assert.throws(() => new IouTracker({ iouThreshold: 0 }), TypeError);
});

test.run();
