// The vehicle-gate board: a barrier relay needs its presence input, and on the Pi the
// detector's fail-safe output reads "vehicle present" when it opens (a vehicle, power
// lost, a wire cut), so the barrier stays up; the barrier relay is active-low.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BoardError, loadBoard, openBoard, validateBoard } from '../../board/index.js';
import { simBoard } from '../../board/sim.js';
import { parseConfig } from '../../firmware/config/index.js';
import { BarrierController } from '../../firmware/door/index.js';
import { silentLogger } from '../../firmware/log.js';
import { FakeClock } from '../../hal/sim/fake-clock.js';
import { FakeSsd1306Bus } from '../hal/display/fake-bus.js';
import { FakeGpioNative } from '../hal/gpio/fake-native.js';

test('a barrier relay without a vehicle detector is refused', () => {
  let err: unknown;
  try {
    validateBoard({ ...simBoard, roles: { ...simBoard.roles, barrierRelay: { driver: 'sim', contact: 'NO' } } });
  } catch (e) {
    err = e;
  }
  assert.instance(err, BoardError);
  assert.is((err as BoardError).code, 'BOARD_INVALID');
  assert.match((err as Error).message, /barrierRelay needs a vehicleDetector role/);
});

test('rpi4-vehicle-gate: an open detector contact keeps the barrier up; the relay is active-low', async () => {
  const def = loadBoard('rpi4-vehicle-gate');
  assert.is(def.roles.plateCamera?.driver, 'isapi-push');
  const gpio = new FakeGpioNative([{ name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 }]);
  gpio.setIdle(512 + 26, 0); // detector relay energised and closed to ground: no vehicle
  const clock = new FakeClock();
  // The plate camera's HTTP receiver is H17a's (test/board/plate-camera.test.ts); the GPIO roles are tested here.
  const board = openBoard({ ...def, roles: { ...def.roles, plateCamera: { driver: 'sim' } } }, { clock, gpio, i2c: new FakeSsd1306Bus().opener });
  const { barrierRelay, vehicleDetector } = board.devices;
  if (!barrierRelay || !vehicleDetector) throw new Error('vehicle gate roles missing');
  const barrier = new BarrierController({ relay: barrierRelay, vehicleDetector, clock, config: { openMs: 10_000, closeDelayMs: 1_000 }, logger: silentLogger() });
  const relayPin = gpio.pin(512 + 16);
  barrier.open({ source: 'grant' });
  await Promise.resolve();
  assert.is(relayPin.value, 0, 'boom up = relay energised = low');
  gpio.pin(512 + 26).drive(1); // the contact opens: a vehicle (or the detector lost power)
  clock.advance(50);
  assert.ok(vehicleDetector.state, 'open contact reads as a vehicle present');
  clock.advance(600_000);
  assert.is(relayPin.value, 0, 'still up');
  gpio.pin(512 + 26).drive(0);
  clock.advance(50 + 1_000);
  await Promise.resolve();
  assert.is(relayPin.value, 1, 'down once the detector closed again');
  await barrier.close();
  await board.close();
});

test('the config example of docs/boards/vehicle-gate.md is valid and names this board', () => {
  const doc = readFileSync(new URL('../../docs/boards/vehicle-gate.md', import.meta.url), 'utf8');
  const json = /<!-- example: vehicle-gate config -->\n```json\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(json, 'example found');
  const config = parseConfig(JSON.parse(json as string));
  assert.is(config.vehicle.unknownPlate, 'ask-guard');
  assert.is(config.antiPassback.enabled, true);
  loadBoard(config.board);
});

test('anti-passback without a zone is a config error naming the setting', () => {
  assert.throws(() => parseConfig({ version: 1, terminal: { id: 'g1' }, antiPassback: { enabled: true } }), /antiPassback\.zone/);
});

test.run();
