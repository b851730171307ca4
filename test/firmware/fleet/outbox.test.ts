import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { silentLogger } from '../../../firmware/log.js';
import { MemoryEventSource } from '../../../firmware/fleet/index.js';
import { Outbox, type OutboxOptions } from '../../../firmware/fleet/outbox.js';
import type { EventBatchBody } from '../../../sdk/src/protocol/index.js';

/** Lets the outbox's promise chains run to completion (all work here is in-memory). */
const settle = () => new Promise<void>((r) => setImmediate(r));

function setup(opts: Partial<OutboxOptions> = {}) {
  const clock = new FakeClock(1_000_000);
  const source = new MemoryEventSource(() => clock.now());
  const sent: EventBatchBody[] = [];
  const outbox = new Outbox({ source, clock, logger: silentLogger(), publish: async (b) => void sent.push(b), window: 10, maxBatchEvents: 4, ackTimeoutMs: 5000, ...opts });
  const append = (n: number) => {
    for (let i = 0; i < n; i++) source.append({ type: 'door.opened' });
  };
  const seqs = (from = 0) => sent.slice(from).flatMap((b) => b.events.map((e) => e.seq));
  return { clock, source, sent, outbox, append, seqs };
}

test('sends in seq order, in batches, never more than the window in flight', async () => {
  const { outbox, append, sent, seqs, source } = setup();
  append(25);
  await outbox.start();
  outbox.setOnline(true);
  await settle();
  assert.equal(seqs(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.ok(sent.every((b) => b.events.length <= 4));
  assert.equal(sent.map((b) => b.prev), [0, 4, 8]);
  outbox.onAck({ ranges: [[1, 6]] });
  await settle();
  assert.is(source.ackedSeq(), 6);
  assert.equal(seqs(3), [11, 12, 13, 14, 15, 16]);
  assert.is(outbox.stats().inFlight, 10);
});

test('acks from consumers that split the stream fold into one contiguous cursor', async () => {
  const { outbox, append, source } = setup();
  append(8);
  await outbox.start();
  outbox.setOnline(true);
  await settle();
  outbox.onAck({ ranges: [[5, 8]] }); // the second consumer was faster
  assert.is(source.ackedSeq(), 0);
  outbox.onAck({ ranges: [[1, 2], [4, 4]] });
  assert.is(source.ackedSeq(), 2);
  outbox.onAck({ ranges: [[3, 3]] });
  assert.is(source.ackedSeq(), 8);
});

test('a stale source cursor never stalls the window (acks are stored before refilling)', async () => {
  const { outbox, append, source, seqs } = setup({ window: 4 });
  append(12);
  await outbox.start();
  outbox.setOnline(true);
  await settle();
  for (let through = 4; through <= 12; through += 4) {
    outbox.onAck({ ranges: [[through - 3, through]] });
    await settle();
  }
  assert.equal(seqs(), Array.from({ length: 12 }, (_, i) => i + 1));
  assert.is(source.ackedSeq(), 12);
});

test('without acks, it resends from the cursor after the ack timeout, skipping what was acknowledged', async () => {
  const { outbox, append, clock, seqs, sent } = setup();
  append(8);
  await outbox.start();
  outbox.setOnline(true);
  await settle();
  outbox.onAck({ ranges: [[5, 8]] });
  const before = sent.length;
  clock.advance(4999);
  await settle();
  assert.is(sent.length, before);
  clock.advance(1);
  await settle();
  assert.equal(seqs(before), [1, 2, 3, 4]);
  assert.is(outbox.stats().resends, 1);
});

test('the ack timeout counts from the last progress, and from the first send after an idle spell', async () => {
  const { outbox, append, clock, sent, source } = setup();
  append(8);
  await outbox.start();
  outbox.setOnline(true);
  await settle();
  clock.advance(3000);
  outbox.onAck({ ranges: [[1, 4]] }); // progress at 3000 ms: the deadline moves to 8000 ms
  const before = sent.length;
  clock.advance(4000);
  await settle();
  assert.is(sent.length, before, 'no resend while acks keep coming');
  clock.advance(1000);
  await settle();
  assert.is(sent.length, before + 1, 'resend once the cursor stood still for the timeout');
  outbox.onAck({ ranges: [[5, 8]] });
  assert.is(source.ackedSeq(), 8);
  clock.advance(60_000); // idle: nothing in flight
  append(1);
  await settle();
  const n = sent.length;
  clock.advance(4999);
  await settle();
  assert.is(sent.length, n, 'a send after an idle spell gets the full timeout');
});

test('coming online resends what is unacknowledged; resendAfter asks for it at once', async () => {
  const { outbox, append, seqs, sent, clock } = setup();
  append(3);
  await outbox.start();
  outbox.setOnline(true);
  await settle();
  outbox.setOnline(false);
  append(2);
  await settle();
  assert.equal(seqs(), [1, 2, 3]);
  outbox.setOnline(true);
  await settle();
  assert.equal(seqs(1), [1, 2, 3, 4, 5]);
  clock.advance(2000);
  const n = sent.length;
  outbox.onAck({ ranges: [[1, 1]], resendAfter: 1 });
  await settle();
  assert.equal(seqs(n), [2, 3, 4, 5]);
  assert.equal(sent[sent.length - 1]!.ackedThrough, 1);
});

test('events the log no longer has show as a seq jump after prev', async () => {
  const { outbox, append, source, sent } = setup();
  append(6);
  source.prune(3);
  await outbox.start();
  outbox.setOnline(true);
  await settle();
  assert.is(sent[0]!.prev, 0);
  assert.equal(sent[0]!.events.map((e) => e.seq), [4, 5, 6]);
  outbox.onAck({ ranges: [[4, 6]] });
  assert.is(source.ackedSeq(), 6);
});

test('an event that does not fit the wire schema goes out as a marker, keeping the sequence', async () => {
  const { outbox, source, sent } = setup();
  source.append({ type: 'door.opened' });
  source.append({ type: 'x'.repeat(200) });
  source.append({ type: 'door.closed', data: { blob: 'y'.repeat(20_000) } });
  await outbox.start();
  outbox.setOnline(true);
  await settle();
  const events = sent.flatMap((b) => b.events);
  assert.equal(events.map((e) => e.type), ['door.opened', 'limen.undeliverable', 'limen.undeliverable']);
  assert.equal(events[2]!.data, { type: 'door.closed' });
  assert.is(outbox.stats().undeliverable, 2);
});

test('acks are clamped to what was sent; acks beyond it are ignored', async () => {
  const { outbox, append, source } = setup();
  append(3);
  await outbox.start();
  outbox.setOnline(true);
  await settle();
  outbox.onAck({ ranges: [[1, 9_007_199_254_740_991]] });
  assert.is(source.ackedSeq(), 3);
  outbox.onAck({ ranges: [[100, 200]] });
  assert.is(source.ackedSeq(), 3);
});

test.run();
