import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Backoff } from '../../../firmware/fleet/backoff.js';

test('delays grow by the factor up to the cap, and reset after a connection', () => {
  const b = new Backoff({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 });
  assert.equal([1, 2, 3, 4, 5, 6].map(() => b.next()), [100, 200, 400, 800, 1000, 1000]);
  b.reset();
  assert.is(b.next(), 100);
});

test('jitter spreads delays within the stated fraction', () => {
  const lo = new Backoff({ initialMs: 1000, jitter: 0.2, random: () => 0 });
  const hi = new Backoff({ initialMs: 1000, jitter: 0.2, random: () => 0.999999 });
  assert.is(lo.next(), 800);
  assert.is(hi.next(), 1200);
});

test('nonsense settings are programmer errors', () => {
  assert.throws(() => new Backoff({ initialMs: 0 }), TypeError);
  assert.throws(() => new Backoff({ initialMs: 10, maxMs: 5 }), TypeError);
  assert.throws(() => new Backoff({ jitter: 2 }), TypeError);
});

test.run();
