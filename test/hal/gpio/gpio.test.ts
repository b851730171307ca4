import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HalError } from '../../../hal/errors.js';
import { GpioInput, GpioOutput, resolveGpio } from '../../../hal/gpio/index.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { inputContract } from '../contracts/input.js';
import { outputContract } from '../contracts/output.js';
import { FakeGpioNative } from './fake-native.js';

const PI4 = { chip: 'pinctrl-bcm2711', line: 17 };

for (const activeLow of [false, true]) {
  outputContract(`GpioOutput (fake native, active ${activeLow ? 'low' : 'high'})`, async () => {
    const native = new FakeGpioNative();
    const device = new GpioOutput({ native, pin: PI4, activeLow });
    const pin = native.pin(512 + 17);
    return { device, control: { level: () => (pin.value === 1) !== activeLow } };
  });

  inputContract(`GpioInput (fake native, active ${activeLow ? 'low' : 'high'})`, async () => {
    const native = new FakeGpioNative();
    const clock = new FakeClock();
    native.setIdle(512 + 17, activeLow ? 1 : 0);
    const device = new GpioInput({ native, clock, pin: PI4, debounceMs: 20, activeLow });
    const pin = native.pin(512 + 17);
    return {
      device,
      control: {
        debounceMs: 20,
        drive: (active) => pin.drive(active !== activeLow ? 1 : 0),
        advance: (ms) => clock.advance(ms),
        now: () => clock.now(),
      },
    };
  });
}

test('resolveGpio adds the controller base read at run time and names what is missing', () => {
  const chips = [
    { name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 },
    { name: 'gpiochip570', label: 'raspberrypi-exp-gpio', base: 570, ngpio: 8 },
  ];
  assert.is(resolveGpio(chips, { chip: 'pinctrl-bcm2711', line: 17 }), 529);
  assert.is(resolveGpio([{ name: 'gpiochip571', label: 'pinctrl-rp1', base: 571, ngpio: 54 }], { chip: 'pinctrl-rp1', line: 17 }), 588);
  try {
    resolveGpio(chips, { chip: 'pinctrl-rp1', line: 17 });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, HalError);
    assert.is((err as HalError).code, 'DEVICE_NOT_FOUND');
    assert.match((err as Error).message, /"pinctrl-rp1" not found \(present: gpiochip512 "pinctrl-bcm2711"/);
  }
  assert.throws(() => resolveGpio([], PI4), /lists no GPIO controllers/);
  assert.throws(() => resolveGpio(chips, { chip: 'raspberrypi-exp-gpio', line: 8 }), /has 8 lines; line 8 does not exist/);
  assert.throws(() => resolveGpio(chips, { chip: 'pinctrl-bcm2711', line: -1 }), TypeError);
});

test('an active-low output opens high (inactive) so the relay never clicks at start', () => {
  const native = new FakeGpioNative();
  const relay = new GpioOutput({ native, pin: PI4, activeLow: true });
  const pin = native.pin(529);
  assert.is(pin.direction, 'high');
  assert.equal(pin.writes, [1]);
  void relay.close();
});

test('close drives inactive then releases the line', async () => {
  const native = new FakeGpioNative();
  const led = new GpioOutput({ native, pin: PI4 });
  await led.set(true);
  await led.close();
  const pin = native.pin(529);
  assert.equal(pin.writes, [0, 1, 0]);
  assert.ok(pin.released);
  const again = new GpioOutput({ native, pin: PI4 });
  assert.is(again.state, false, 'the line can be opened again after release');
  await again.close();
});

test('a failing write rejects with DEVICE_IO and keeps the previous state', async () => {
  const native = new FakeGpioNative();
  const out = new GpioOutput({ native, pin: PI4 });
  native.pin(529).released = true; // the kernel took the line away
  const err = await out.set(true).then(() => null, (e: unknown) => e);
  assert.instance(err, HalError);
  assert.is((err as HalError).code, 'DEVICE_IO');
  assert.is(out.state, false);
});

test('an input that starts active reads active without an edge; watch errors are ignored', async () => {
  const native = new FakeGpioNative();
  const clock = new FakeClock();
  native.setIdle(529, 0);
  const button = new GpioInput({ native, clock, pin: PI4, debounceMs: 10, activeLow: true });
  const edges: boolean[] = [];
  button.onChange((e) => edges.push(e.active));
  assert.is(button.state, true);
  native.pin(529).fail(new Error('EPOLLERR'));
  native.pin(529).drive(1);
  clock.advance(10);
  assert.equal(edges, [false]);
  await button.close();
  assert.ok(native.pin(529).released);
});

test('a missing controller fails at open with DEVICE_NOT_FOUND', () => {
  const native = new FakeGpioNative([]);
  try {
    new GpioInput({ native, clock: new FakeClock(), pin: PI4, debounceMs: 20 });
    assert.unreachable();
  } catch (err) {
    assert.is((err as HalError).code, 'DEVICE_NOT_FOUND');
  }
});

test.run();
