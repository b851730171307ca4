import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReplayCache, replayRefusal } from '../../../firmware/fleet/replay-cache.js';
import { StoreReplayLedger } from '../../../firmware/fleet/store-replay-ledger.js';
import { Store } from '../../../firmware/store/index.js';

const HOUR = 3_600_000;
const dir = mkdtempSync(join(tmpdir(), 'limen-replay-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const openStore = (path: string) => Store.open({ path, terminalId: 't1' });

test('fresh once, replayed after; ids issued before the start window are refused', () => {
  const c = new ReplayCache({ startedAt: 100_000, clockSkewMs: 5000 });
  assert.is(c.check('a', 100_000, 110_000, 100_000), 'fresh');
  assert.is(c.check('a', 100_000, 110_000, 100_001), 'replayed');
  assert.is(c.check('b', 94_999, 110_000, 100_001), 'before-start');
  assert.is(c.check('c', 95_000, 110_000, 100_001), 'fresh');
});

test('bounded: full of live ids it refuses; expired ids make room', () => {
  const c = new ReplayCache({ startedAt: 0, clockSkewMs: 1000, maxEntries: 3 });
  for (const id of ['a', 'b', 'c']) assert.is(c.check(id, 0, 10_000, 0), 'fresh');
  assert.is(c.check('d', 0, 10_000, 5000), 'full');
  assert.is(c.size, 3);
  // Past expiresAt + skew the old ids can go: an expired request is refused before this cache anyway.
  assert.is(c.check('d', 0, 30_000, 11_001), 'fresh');
  assert.is(c.size, 1);
});

test('ts ahead of the clock by more than the skew is refused as future, and so is one older than a request can live', () => {
  const now = 10 * HOUR;
  const c = new ReplayCache({ startedAt: 0, clockSkewMs: 5000 });
  assert.is(c.check('ahead-20s', now + 20_000, now + 30_000, now), 'future');
  assert.is(c.check('ahead-10min', now + 600_000, now + 610_000, now), 'future');
  assert.is(c.check('ahead-5s', now + 5000, now + 15_000, now), 'fresh');
  assert.is(c.check('old', now - HOUR - 5001, now + 1000, now), 'too-old');
  assert.is(c.check('old-but-live', now - HOUR + 1000, now + 1000, now), 'fresh');
  assert.equal(replayRefusal('future', now + 20_000, now)?.code, 'CLOCK_SKEW');
  assert.equal(replayRefusal('too-old', 0, now)?.code, 'EXPIRED');
  assert.is(replayRefusal('fresh', now, now), null);
});

test('with the store ledger an accepted id is refused after a restart, ahead-of-clock ts included', () => {
  const path = join(dir, `${++files}.db`);
  const now = 10 * HOUR;
  let store = openStore(path);
  let c = new ReplayCache({ startedAt: now, clockSkewMs: 5000, ledger: new StoreReplayLedger(store) });
  assert.is(c.check('a', now + 4000, now + 14_000, now), 'fresh');
  store.close();
  // Restarted. The backend's clock ran 4 s ahead, so "issued before this start" cannot catch it.
  store = openStore(path);
  c = new ReplayCache({ startedAt: now + 1000, clockSkewMs: 5000, ledger: new StoreReplayLedger(store) });
  assert.is(c.check('a', now + 4000, now + 14_000, now + 1000), 'replayed');
  assert.is(c.check('b', now + 4000, now + 14_000, now + 1000), 'fresh');
  store.close();
});

test('pruned ids stay refused through the floor, even with the clock set back; protection began at the first start', () => {
  const path = join(dir, `${++files}.db`);
  const now = 10 * HOUR;
  let store = openStore(path);
  let c = new ReplayCache({ startedAt: now, clockSkewMs: 1000, maxEntries: 2, ledger: new StoreReplayLedger(store) });
  assert.is(c.check('a', now, now + 10_000, now), 'fresh');
  assert.is(c.check('b', now, now + 20_000, now), 'fresh');
  // Full: at now + 12 s, 'a' is past its window and is pruned to make room.
  assert.is(c.check('c', now + 12_000, now + 30_000, now + 12_000), 'fresh');
  assert.is(c.size, 2);
  store.close();
  // Restart with the clock set back to before 'a' expired: 'a' is forgotten, yet refused.
  store = openStore(path);
  c = new ReplayCache({ startedAt: now + 2000, clockSkewMs: 1000, maxEntries: 2, ledger: new StoreReplayLedger(store) });
  assert.is(c.check('a', now, now + 10_000, now + 2000), 'window-closed');
  assert.is(c.check('b', now, now + 20_000, now + 2000), 'replayed');
  assert.is(replayRefusal('window-closed', now, now + 2000)?.code, 'REPLAYED');
  // Issued before the first start (the store had no replay state then): refused.
  assert.is(c.check('older', now - 2000, now + 25_000, now + 2000), 'before-start');
  store.close();
});

test('an id that cannot be recorded is not accepted', () => {
  const store = openStore(join(dir, `${++files}.db`));
  const c = new ReplayCache({ startedAt: 0, clockSkewMs: 1000, ledger: new StoreReplayLedger(store) });
  store.close();
  assert.is(c.check('a', 0, 10_000, 0), 'unrecorded');
  assert.is(c.check('a', 0, 10_000, 0), 'unrecorded');
  assert.is(replayRefusal('unrecorded', 0, 0)?.code, 'INTERNAL');
});

test.run();
