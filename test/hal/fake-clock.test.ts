import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../hal/sim/fake-clock.js';

test('timers fire in due order while advancing, with the clock at their due time', () => {
  const clock = new FakeClock(1_000);
  const fired: Array<[string, number]> = [];
  clock.setTimeout(() => fired.push(['b', clock.now()]), 200);
  clock.setTimeout(() => fired.push(['a', clock.now()]), 100);
  clock.advance(150);
  assert.equal(fired, [['a', 1_100]]);
  clock.advance(100);
  assert.equal(fired, [['a', 1_100], ['b', 1_200]]);
  assert.is(clock.now(), 1_250);
});

test('cancelled timers never fire; intervals repeat until cancelled', () => {
  const clock = new FakeClock(0);
  let once = 0;
  let ticks = 0;
  clock.setTimeout(() => once++, 10).cancel();
  const h = clock.setInterval(() => ticks++, 100);
  clock.advance(350);
  h.cancel();
  clock.advance(1_000);
  assert.is(once, 0);
  assert.is(ticks, 3);
  assert.is(clock.pendingTimers, 0);
});

test('a timer set from inside a callback fires in the same advance when due', () => {
  const clock = new FakeClock(0);
  const at: number[] = [];
  clock.setTimeout(() => {
    at.push(clock.now());
    clock.setTimeout(() => at.push(clock.now()), 50);
  }, 50);
  clock.advance(100);
  assert.equal(at, [50, 100]);
});

test.run();
