import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { Store, StoreError, type NewEvent, type StoredEvent } from '../../../firmware/store/index.js';
import { tempDir } from './helpers.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

function memoryStore(maxEvents?: number): { store: Store; clock: FakeClock } {
  const clock = new FakeClock(T0);
  return { store: Store.open({ path: ':memory:', terminalId: 'T1', clock, maxEvents }), clock };
}

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.instance(err, StoreError);
    return (err as StoreError).code;
  }
  return undefined;
}

test('append assigns seq 1, 2, ... and stamps ts and terminal from the store', () => {
  const { store, clock } = memoryStore();
  const a = store.events.append({ type: 'access.granted', result: 'granted', reason: 'granted', personId: 'p1' });
  clock.advance(1_500);
  const b = store.events.append({ type: 'alarm.held-open', data: { openMs: 1 } });
  const c = store.events.append({ type: 'door.opened', ts: 42, terminalId: 'T9' });
  assert.equal(a, {
    seq: 1,
    ts: T0,
    terminalId: 'T1',
    type: 'access.granted',
    result: 'granted',
    reason: 'granted',
    personId: 'p1',
    credentialType: null,
    credentialRef: null,
    data: null,
  });
  assert.is(b.seq, 2);
  assert.is(b.ts, T0 + 1_500);
  assert.equal(b.data, { openMs: 1 });
  assert.is(c.ts, 42);
  assert.is(c.terminalId, 'T9');
  assert.equal(store.events.query(), [a, b, c], 'query returns what append returned');
  assert.is(store.events.count(), 3);
  assert.is(store.events.latestSeq(), 3);
  store.close();
});

test("invalid events are refused with 'INVALID_EVENT' and nothing is written", () => {
  const { store } = memoryStore();
  const bad: unknown[] = [
    {},
    { type: 'Access Granted' },
    { type: 'access.granted', result: 'maybe' },
    { type: 'access.granted', ts: -1 },
    { type: 'access.granted', ts: 1.5 },
    { type: 'access.granted', personId: '' },
    { type: 'access.granted', surprise: true },
    { type: 'access.granted', data: [1, 2] },
    { type: 'access.granted', data: { n: 1n } },
    { type: 'access.granted', data: { blob: 'x'.repeat(20_000) } },
    null,
    'access.granted',
  ];
  for (const event of bad) {
    assert.is(errorCode(() => store.events.append(event as NewEvent)), 'INVALID_EVENT', JSON.stringify(event, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)));
  }
  assert.match(
    (() => {
      try {
        store.events.append({ type: 'access.granted', result: 'maybe' } as unknown as NewEvent);
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    })(),
    /^invalid event: result: /,
  );
  assert.is(store.events.count(), 0);
  assert.is(store.events.latestSeq(), 0);
  store.close();
});

test('the cap deletes oldest first, one event at a time for a small cap', () => {
  const { store } = memoryStore(10);
  for (let i = 1; i <= 25; i++) {
    store.events.append({ type: 'alarm.held-open', data: { openMs: i } });
    assert.ok(store.events.count() <= 10);
  }
  const left = store.events.query({ limit: 100 });
  assert.equal(left.map((e) => e.seq), [16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
  assert.equal(left.map((e) => e.data?.openMs), [16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
  store.close();
});

test('a larger cap prunes in batches (1% of the cap), never exceeding it', () => {
  const { store } = memoryStore(1_000);
  const deletes: number[] = [];
  const ins = store.db.prepare('INSERT INTO events (ts, terminal_id, type) VALUES (0, ?, ?)');
  store.db.transaction(() => {
    for (let i = 0; i < 999; i++) ins.run('T1', 'test.bulk');
  })();
  store.meta.set('events.last_seq', '999');
  let before = store.events.count();
  for (let i = 0; i < 35; i++) {
    store.events.append({ type: 'door.opened' });
    const now = store.events.count();
    assert.ok(now <= 1_000, `count ${now} over the cap`);
    if (now < before) deletes.push(before + 1 - now);
    before = now;
  }
  assert.equal(deletes, [10, 10, 10, 10], 'one DELETE of 10 per 10 appends once at the cap');
  const oldest = store.events.query({ limit: 1 })[0]!;
  assert.is(oldest.seq, 1_034 - store.events.count() + 1);
  store.close();
});

function seed(store: Store, clock: FakeClock): StoredEvent[] {
  const rows: NewEvent[] = [
    { type: 'access.granted', result: 'granted', reason: 'granted', personId: 'p1', credentialType: 'card', credentialRef: '100' },
    { type: 'access.denied', result: 'denied', reason: 'unknown-credential', credentialType: 'card', credentialRef: '999' },
    { type: 'access.granted', result: 'granted', reason: 'granted', personId: 'p2', credentialType: 'pin', credentialRef: 'cred-pin-2' },
    { type: 'alarm.forced-open' },
    { type: 'access.denied', result: 'denied', reason: 'outside-schedule', personId: 'p1', credentialType: 'card', credentialRef: '100' },
    { type: 'face.stranger', result: 'denied', reason: 'stranger', credentialType: 'face', data: { score: 0.2 } },
  ];
  return rows.map((r) => {
    clock.advance(60_000);
    return store.events.append(r);
  });
}

test('queries filter by time range, person, credential, result and type', () => {
  const { store, clock } = memoryStore();
  const ev = seed(store, clock);
  const seqs = (q: Parameters<typeof store.events.query>[0]) => store.events.query(q).map((e) => e.seq);
  assert.equal(seqs({ since: ev[2]!.ts }), [3, 4, 5, 6]);
  assert.equal(seqs({ until: ev[2]!.ts }), [1, 2], 'until is exclusive');
  assert.equal(seqs({ since: new Date(ev[1]!.ts), until: new Date(ev[3]!.ts) }), [2, 3]);
  assert.equal(seqs({ personId: 'p1' }), [1, 5]);
  assert.equal(seqs({ credentialType: 'card' }), [1, 2, 5]);
  assert.equal(seqs({ credentialType: 'card', credentialRef: '100' }), [1, 5]);
  assert.equal(seqs({ credentialRef: 'cred-pin-2' }), [3]);
  assert.equal(seqs({ result: 'granted' }), [1, 3]);
  assert.equal(seqs({ result: 'denied' }), [2, 5, 6]);
  assert.equal(seqs({ type: 'alarm.forced-open' }), [4]);
  assert.equal(seqs({ result: 'denied', personId: 'p1' }), [5]);
  assert.equal(seqs({ afterSeq: 4 }), [5, 6]);
  assert.equal(seqs({ beforeSeq: 3 }), [1, 2]);
  assert.equal(seqs({ order: 'desc', limit: 2 }), [6, 5]);
  assert.equal(seqs({ order: 'desc', beforeSeq: 5, limit: 2 }), [4, 3]);
  assert.equal(seqs({ limit: 2 }), [1, 2]);
  assert.equal(seqs({ personId: 'nobody' }), []);
  assert.equal(store.events.query({ type: 'face.stranger' })[0]!.data, { score: 0.2 });
  store.close();
});

test("bad query filters give 'INVALID_QUERY'", () => {
  const { store } = memoryStore();
  for (const q of [{ limit: 0 }, { limit: 10_001 }, { result: 'maybe' }, { order: 'sideways' }, { afterSeq: -1 }, { since: 'yesterday' }, { nope: 1 }]) {
    assert.is(errorCode(() => store.events.query(q as never)), 'INVALID_QUERY', JSON.stringify(q));
  }
  store.close();
});

test('outbox: pending events after the ack cursor, which only moves forward and survives reopen', () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 't.db');
    const clock = new FakeClock(T0);
    let store = Store.open({ path, terminalId: 'T1', clock });
    seed(store, clock);
    assert.is(store.events.ackedSeq(), 0);
    assert.equal(store.events.pendingAfterAck(4).map((e) => e.seq), [1, 2, 3, 4]);
    assert.is(store.events.ack(3), 3);
    assert.equal(store.events.pendingAfterAck(10).map((e) => e.seq), [4, 5, 6]);
    assert.is(store.events.ack(2), 3, 'never moves backwards');
    assert.is(store.events.ack(1_000), 6, 'never past the latest seq');
    assert.equal(store.events.pendingAfterAck(10), []);
    store.events.append({ type: 'door.closed' });
    store.close();
    store = Store.open({ path, terminalId: 'T1', clock });
    assert.is(store.events.ackedSeq(), 6);
    assert.equal(store.events.pendingAfterAck(10).map((e) => e.seq), [7]);
    assert.throws(() => store.events.ack(-1), TypeError);
    assert.throws(() => store.events.ack(1.5), TypeError);
    store.close();
  } finally {
    cleanup();
  }
});

test('onAppend handlers see each committed event; unsubscribe stops them; a throwing handler changes nothing', () => {
  const { store } = memoryStore();
  const seen: number[] = [];
  store.events.onAppend(() => {
    throw new Error('handler bug');
  });
  const off = store.events.onAppend((e) => {
    assert.is(store.events.count(), e.seq, 'the event is committed when handlers run');
    seen.push(e.seq);
  });
  store.events.append({ type: 'door.opened' });
  store.events.append({ type: 'door.closed' });
  off();
  store.events.append({ type: 'door.opened' });
  assert.equal(seen, [1, 2]);
  assert.is(store.events.count(), 3);
  assert.throws(() => store.events.onAppend(null as never), TypeError);
  store.close();
});

test.run();
