import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PinEntry } from '../../../firmware/access/pin-entry.js';
import type { KeypadKey } from '../../../hal/reader.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';

function setup(options: { timeoutMs?: number; maxDigits?: number } = {}) {
  const clock = new FakeClock(0);
  const pins: Array<[string, number]> = [];
  const entry = new PinEntry({ clock, onPin: (pin, at) => pins.push([pin, at]), ...options });
  const type = (keys: string) => {
    for (const k of keys) entry.press(k as KeypadKey);
  };
  return { clock, pins, entry, type };
}

test('digits collect and # enters them, leading zeros kept, stamped with the time of #', () => {
  const { clock, pins, entry, type } = setup();
  type('0042');
  assert.is(entry.length, 4);
  clock.advance(500);
  type('#');
  assert.equal(pins, [['0042', 500]]);
  assert.is(entry.length, 0, 'entered, the next PIN starts empty');
});

test('* clears what was typed; # on nothing enters nothing', () => {
  const { pins, type } = setup();
  type('99*1234#');
  type('#');
  type('5*#');
  assert.equal(pins.map(([p]) => p), ['1234']);
});

test('a pause of timeoutMs after the last key abandons the entry; each key restarts the wait', () => {
  const { clock, pins, type, entry } = setup({ timeoutMs: 5_000 });
  type('12');
  clock.advance(4_999);
  type('3');
  clock.advance(4_999);
  type('4#');
  assert.equal(pins.map(([p]) => p), ['1234'], 'keys within the timeout of each other form one PIN');
  type('77');
  clock.advance(5_000);
  assert.is(entry.length, 0);
  assert.is(clock.pendingTimers, 0);
  type('1234#');
  assert.equal(pins.map(([p]) => p), ['1234', '1234'], 'the abandoned 77 is not prefixed to the next PIN');
});

test('typing past maxDigits abandons the entry instead of entering a truncated PIN', () => {
  const { pins, type } = setup({ maxDigits: 8 });
  type('123456789#');
  type('12345678#');
  assert.equal(pins.map(([p]) => p), ['12345678']);
});

test('after close keys do nothing and no timer is left', () => {
  const { clock, pins, entry, type } = setup();
  type('12');
  entry.close();
  type('34#');
  assert.equal(pins, []);
  assert.is(clock.pendingTimers, 0);
  assert.throws(() => new PinEntry({ clock, onPin: () => {}, timeoutMs: 0 }), TypeError);
});

test.run();
