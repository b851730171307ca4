import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventConsumer, type EventBatchHandler, type EventGap, type FleetEvent } from '../../sdk/src/event-consumer.js';
import type { EventAckBody, EventBatchBody } from '../../sdk/src/protocol/index.js';

function batch(prev: number, seqs: number[], ackedThrough = 0): EventBatchBody {
  return { prev, ackedThrough, events: seqs.map((seq) => ({ seq, ts: 1, type: 'door.opened' })) };
}

function setup(shared: boolean, handler?: (e: FleetEvent) => void) {
  const handled: number[] = [];
  const acks: EventAckBody[] = [];
  const gaps: EventGap[] = [];
  const errors: Error[] = [];
  const c = new EventConsumer({
    shared,
    handlers: () => [handler ?? ((e) => void handled.push(e.seq))],
    ack: (_t, body) => acks.push(body),
    onGap: (g) => gaps.push(g),
    onError: (e) => errors.push(e),
    now: () => 0,
  });
  return { c, handled, acks, gaps, errors };
}

test('exclusive: in order; duplicates acked but not handed over', async () => {
  const { c, handled, acks } = setup(false);
  await c.accept('t', batch(0, [1, 2, 3]));
  await c.accept('t', batch(1, [2, 3, 4]));
  assert.equal(handled, [1, 2, 3, 4]);
  assert.equal(acks, [{ ranges: [[1, 3]] }, { ranges: [[2, 4]] }]);
  assert.is(c.counters.duplicates, 2);
});

test('exclusive: a batch after a missing one is set aside and a resend is requested', async () => {
  const { c, handled, acks } = setup(false);
  await c.accept('t', batch(0, [1, 2]));
  await c.accept('t', batch(4, [5, 6]));
  assert.equal(handled, [1, 2]);
  assert.equal(acks[1], { ranges: [], resendAfter: 2 });
  await c.accept('t', batch(2, [3, 4, 5, 6]));
  assert.equal(handled, [1, 2, 3, 4, 5, 6]);
  assert.is(c.counters.outOfOrder, 1);
});

test('a fresh consumer starts from the terminal acknowledged cursor', async () => {
  const { c, handled } = setup(false);
  await c.accept('t', batch(40, [41, 42], 40));
  assert.equal(handled, [41, 42]);
});

test('a seq jump the terminal declares is a gap, reported once', async () => {
  const { c, handled, gaps } = setup(false);
  await c.accept('t', batch(0, [1, 5, 6]));
  assert.equal(handled, [1, 5, 6]);
  assert.equal(gaps, [{ terminal: 't', from: 2, to: 4 }]);
});

test('exclusive: a failing handler stops the batch there, unacknowledged', async () => {
  let fail = true;
  const seen: number[] = [];
  const { c, acks, errors } = setup(false, (e) => {
    if (e.seq === 2 && fail) {
      fail = false;
      throw new Error('db down');
    }
    seen.push(e.seq);
  });
  await c.accept('t', batch(0, [1, 2, 3]));
  assert.equal(seen, [1]);
  assert.equal(acks, [{ ranges: [[1, 1]] }]);
  assert.is(errors.length, 1);
  await c.accept('t', batch(1, [2, 3]));
  assert.equal(seen, [1, 2, 3]);
});

test('shared: handles what arrives, per-seq dedup, never asks for resends', async () => {
  const { c, handled, acks } = setup(true);
  await c.accept('t', batch(4, [5, 6]));
  await c.accept('t', batch(0, [1, 2]));
  await c.accept('t', batch(4, [5, 6]));
  await c.accept('t', batch(6, [7], 6));
  assert.equal(handled, [5, 6, 1, 2, 7]);
  assert.is(c.counters.duplicates, 2);
  assert.ok(acks.every((a) => a.resendAfter === undefined));
});

test('terminals are handled independently', async () => {
  const order: string[] = [];
  let release = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const c = new EventConsumer({
    shared: false,
    handlers: () => [async (e) => {
      if (e.terminal === 'slow') await gate;
      order.push(`${e.terminal}:${e.seq}`);
    }],
    ack: () => {},
    onGap: () => {},
    onError: () => {},
    now: () => 0,
  });
  const slow = c.accept('slow', batch(0, [1]));
  await c.accept('fast', batch(0, [1]));
  assert.equal(order, ['fast:1']);
  release();
  await slow;
  assert.equal(order, ['fast:1', 'slow:1']);
});

/** A consumer with one batch handler; `gate` holds the handler until released. */
function batchSetup(shared: boolean, handler: EventBatchHandler) {
  const acks: EventAckBody[] = [];
  const gaps: EventGap[] = [];
  const errors: Array<{ err: Error; seqs: number[] }> = [];
  const c = new EventConsumer({
    shared,
    handlers: () => [],
    batchHandlers: () => [handler],
    ack: (_t, body) => acks.push(body),
    onGap: (g) => gaps.push(g),
    onError: (err, events) => errors.push({ err, seqs: events.map((e) => e.seq) }),
    now: () => 0,
  });
  return { c, acks, gaps, errors };
}

function gated() {
  let release = () => {};
  let entered = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const inHandler = new Promise<void>((r) => (entered = r));
  return { gate, inHandler, release, entered };
}

test('batch: batches queued while the handler runs come in one call, in order, deduplicated, one ack', async () => {
  const calls: number[][] = [];
  const g = gated();
  const { c, acks, gaps } = batchSetup(false, async (events) => {
    calls.push(events.map((e) => e.seq));
    if (calls.length === 1) {
      g.entered();
      await g.gate;
    }
  });
  const first = c.accept('t', batch(0, [1, 2]));
  await g.inHandler;
  // While [1, 2] is being handled: a resend overlapping it, then the next two batches and a declared jump.
  const queued = [c.accept('t', batch(0, [1, 2, 3])), c.accept('t', batch(3, [4, 5])), c.accept('t', batch(5, [8]))];
  g.release();
  await Promise.all([first, ...queued]);
  assert.equal(calls, [[1, 2], [3, 4, 5, 8]]);
  assert.equal(acks, [{ ranges: [[1, 2]] }, { ranges: [[1, 5], [8, 8]] }]);
  assert.equal(gaps, [{ terminal: 't', from: 6, to: 7 }]);
  assert.is(c.counters.delivered, 6);
  assert.is(c.counters.duplicates, 2);
});

test('batch: batches that arrive in the same tick are handed over together', async () => {
  const calls: number[][] = [];
  const { c } = batchSetup(false, (events) => void calls.push(events.map((e) => e.seq)));
  await Promise.all([c.accept('t', batch(0, [1, 2])), c.accept('t', batch(2, [3]))]);
  assert.equal(calls, [[1, 2, 3]]);
});

test('batch: a throwing handler leaves the whole batch unacknowledged; the resend is handed over again', async () => {
  let fail = true;
  const calls: number[][] = [];
  const { c, acks, errors } = batchSetup(false, (events) => {
    calls.push(events.map((e) => e.seq));
    if (fail) {
      fail = false;
      throw new Error('db down');
    }
  });
  await c.accept('t', batch(0, [1, 2, 3]));
  assert.equal(acks, []);
  assert.equal(errors.map((e) => [e.err.message, e.seqs]), [['db down', [1, 2, 3]]]);
  assert.is(c.counters.delivered, 0);
  await c.accept('t', batch(0, [1, 2, 3]));
  assert.equal(calls, [[1, 2, 3], [1, 2, 3]]);
  assert.equal(acks, [{ ranges: [[1, 3]] }]);
});

test('batch: a batch after a missing one is left out of the handover and a resend is asked after the handled ones', async () => {
  const calls: number[][] = [];
  const { c, acks } = batchSetup(false, (events) => void calls.push(events.map((e) => e.seq)));
  await Promise.all([c.accept('t', batch(0, [1, 2])), c.accept('t', batch(4, [5, 6]))]);
  assert.equal(calls, [[1, 2]]);
  assert.equal(acks, [{ ranges: [[1, 2]] }, { ranges: [], resendAfter: 2 }]);
  assert.is(c.counters.outOfOrder, 1);
});

test('batch, shared: per-seq dedup across the queued batches, acks what was handled', async () => {
  const calls: number[][] = [];
  const { c, acks } = batchSetup(true, (events) => void calls.push(events.map((e) => e.seq)));
  await c.accept('t', batch(4, [5, 6]));
  await Promise.all([c.accept('t', batch(0, [1, 2])), c.accept('t', batch(4, [5, 6, 7]))]);
  assert.equal(calls, [[5, 6], [1, 2, 7]]);
  assert.equal(acks, [{ ranges: [[5, 6]] }, { ranges: [[1, 2], [5, 7]] }]);
  assert.is(c.counters.duplicates, 2);
});

test('batch and per-event handlers together: the batch handler first, then each event', async () => {
  const order: string[] = [];
  const c = new EventConsumer({
    shared: false,
    handlers: () => [(e) => void order.push(`each ${e.seq}`)],
    batchHandlers: () => [(events) => void order.push(`batch ${events.map((e) => e.seq).join(',')}`)],
    ack: () => {},
    onGap: () => {},
    onError: () => {},
    now: () => 0,
  });
  await Promise.all([c.accept('t', batch(0, [1])), c.accept('t', batch(1, [2]))]);
  assert.equal(order, ['batch 1,2', 'each 1', 'each 2']);
});

test.run();
