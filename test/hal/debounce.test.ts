import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Debouncer } from '../../hal/debounce.js';
import type { InputEdge } from '../../hal/input.js';
import { FakeClock } from '../../hal/sim/fake-clock.js';

function setup(debounceMs = 20, initial = false) {
  const clock = new FakeClock(1_000);
  const edges: InputEdge[] = [];
  const d = new Debouncer({ clock, debounceMs, initial, onChange: (e) => edges.push(e) });
  return { clock, edges, d };
}

test('a level that holds exactly debounceMs counts, stamped with when it began', () => {
  const { clock, edges, d } = setup();
  d.feed(true);
  clock.advance(19);
  assert.is(d.state, false);
  assert.is(d.raw, true);
  clock.advance(1);
  assert.is(d.state, true);
  assert.equal(edges, [{ active: true, timestamp: 1_000 }]);
});

test('a glitch shorter than debounceMs leaves no trace and no timer', () => {
  const { clock, edges, d } = setup();
  d.feed(true);
  clock.advance(10);
  d.feed(false);
  assert.is(clock.pendingTimers, 0);
  clock.advance(100);
  assert.is(edges.length, 0);
  assert.is(d.state, false);
});

test('bounces restart the wait; the edge carries the start of the final stable run', () => {
  const { clock, edges, d } = setup();
  for (const level of [true, false, true, false, true]) {
    d.feed(level);
    clock.advance(3);
  }
  // last raw change was at 1_012
  clock.advance(17);
  assert.equal(edges, [{ active: true, timestamp: 1_012 }]);
});

test('repeated raw levels are ignored and do not restart the wait', () => {
  const { clock, edges, d } = setup();
  d.feed(true);
  clock.advance(15);
  d.feed(true);
  clock.advance(5);
  assert.equal(edges, [{ active: true, timestamp: 1_000 }]);
});

test('debounceMs 0 reports synchronously; initial sets the starting level', () => {
  const { edges, d } = setup(0, true);
  assert.is(d.state, true);
  d.feed(true);
  assert.is(edges.length, 0);
  d.feed(false);
  assert.equal(edges, [{ active: false, timestamp: 1_000 }]);
});

test('close cancels a pending change and ignores later feeds', () => {
  const { clock, edges, d } = setup();
  d.feed(true);
  d.close();
  assert.is(clock.pendingTimers, 0);
  d.feed(false);
  d.feed(true);
  clock.advance(100);
  assert.is(edges.length, 0);
  assert.is(d.state, false);
});

test('bad options are programmer mistakes: TypeError', () => {
  const clock = new FakeClock();
  assert.throws(() => new Debouncer({ clock, debounceMs: -1, onChange: () => {} }), TypeError);
  assert.throws(() => new Debouncer({ clock, debounceMs: Number.NaN, onChange: () => {} }), TypeError);
});

test.run();
