import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BoardError, loadBoard, openBoard, validateBoard } from '../../board/index.js';
import type { Frame } from '../../hal/camera.js';
import { toLuma } from '../../hal/camera/formats.js';
import { GpioOutput } from '../../hal/gpio/index.js';
import { FakeClock } from '../../hal/sim/fake-clock.js';
import { SimCamera } from '../../hal/sim/index.js';
import { FakeGpioNative } from '../hal/gpio/fake-native.js';

test('the sim board opens an IR camera beside the colour camera, delivering gray8 frames, and an IR LED', async () => {
  const clock = new FakeClock(1_000);
  const board = openBoard(loadBoard('sim'), { clock });
  const { devices, sim } = board;
  assert.instance(devices.irCamera, SimCamera);
  assert.ok(devices.irCamera !== devices.camera, 'a camera of its own');
  assert.is(sim.irCamera, devices.irCamera);
  const got: Frame[] = [];
  devices.irCamera!.onFrame((f) => void got.push(f));
  await devices.irCamera!.start();
  const data = new Uint8Array(640 * 480).fill(120);
  sim.irCamera!.pushFrame({ width: 640, height: 480, format: 'gray8', data });
  assert.is(got.length, 1);
  assert.is(got[0]!.format, 'gray8');
  assert.is(got[0]!.timestamp, 1_000);
  assert.is(toLuma(got[0]!).data[0], 120);
  await devices.irLed!.set(true);
  assert.is(sim.irLed!.state, true);
  await board.close();
  assert.not.ok(devices.irCamera!.running, 'closed with the board');
});

test('an IR LED on a GPIO line opens as a GPIO output', async () => {
  const gpio = new FakeGpioNative([{ name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 }]);
  const rpi4 = loadBoard('rpi4');
  const def = validateBoard({
    ...rpi4,
    roles: { ...rpi4.roles, display: { driver: 'sim' }, cardReader: { driver: 'sim' }, camera: { driver: 'sim' }, irCamera: { driver: 'rpicam', camera: 1 }, irLed: { driver: 'gpio', pin: { chip: 'pinctrl-bcm2711', line: 26 } } },
  });
  assert.is(def.roles.irCamera?.driver, 'rpicam');
  const board = openBoard({ ...def, roles: { ...def.roles, irCamera: { driver: 'sim', width: 640, height: 480 } } }, { clock: new FakeClock(), gpio });
  assert.instance(board.devices.irLed, GpioOutput);
  await board.devices.irLed!.set(true);
  assert.is(gpio.pin(512 + 26).value, 1);
  await board.close();
});

test('an IR camera without a colour camera, or an IR LED without an IR camera, is refused with its path', () => {
  const sim = loadBoard('sim');
  const { camera: _c, ...noCamera } = sim.roles;
  const { irCamera: _i, ...noIr } = sim.roles;
  for (const [roles, re] of [
    [noCamera, /roles\.irCamera: irCamera needs a camera role/],
    [noIr, /roles\.irLed: irLed needs an irCamera role/],
  ] as const) {
    try {
      validateBoard({ ...sim, roles });
      assert.unreachable();
    } catch (err) {
      assert.instance(err, BoardError);
      assert.match((err as Error).message, re);
    }
  }
});

test.run();
