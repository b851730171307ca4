import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { InputEdge } from '../../../hal/input.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { SimInput } from '../../../hal/sim/input.js';

test('press and release go through the debounce and land in history', () => {
  const clock = new FakeClock(0);
  const input = new SimInput({ clock });
  const seen: InputEdge[] = [];
  input.onChange((e) => seen.push(e));
  input.press();
  clock.advance(20);
  input.release();
  clock.advance(20);
  assert.equal(input.history, [
    { active: true, timestamp: 0 },
    { active: false, timestamp: 20 },
  ]);
  assert.equal(seen, input.history);
});

test('bounce plays levels on the clock and only the settled level counts', async () => {
  const clock = new FakeClock(0);
  const input = new SimInput({ clock, debounceMs: 10 });
  const done = input.bounce([true, false, true, false, true], 2);
  assert.is(input.raw, true, 'the first level applies at once');
  clock.advance(8);
  await done;
  assert.is(input.state, false);
  clock.advance(10);
  assert.is(input.state, true);
  assert.equal(input.history, [{ active: true, timestamp: 8 }]);
});

test('a bounce glitch that returns to the old level leaves no edge', async () => {
  const clock = new FakeClock(0);
  const input = new SimInput({ clock, debounceMs: 10, initial: true });
  const done = input.bounce([false, true, false, true], 3);
  clock.advance(9);
  await done;
  clock.advance(50);
  assert.is(input.state, true);
  assert.equal(input.history, []);
});

test('close settles a pending bounce and silences the input', async () => {
  const clock = new FakeClock(0);
  const input = new SimInput({ clock });
  const done = input.bounce([true, false, true], 5);
  await input.close();
  await done;
  input.press();
  clock.advance(100);
  assert.is(input.state, false);
  assert.is(clock.pendingTimers, 0);
});

test('bad control arguments throw TypeError', () => {
  const input = new SimInput({ clock: new FakeClock() });
  assert.throws(() => input.setRaw(1 as unknown as boolean), TypeError);
  assert.throws(() => input.bounce([true], 0), TypeError);
});

test.run();
