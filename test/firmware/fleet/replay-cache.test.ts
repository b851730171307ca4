import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReplayCache } from '../../../firmware/fleet/replay-cache.js';

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

test.run();
