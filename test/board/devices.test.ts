import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BoardError, boardNames, loadBoard, openBoard, probeBoard, validateBoard } from '../../board/index.js';
import { HalError } from '../../hal/errors.js';
import { GpioInput, GpioOutput } from '../../hal/gpio/index.js';
import { OsdpControlPanel, OsdpLedOutput } from '../../hal/osdp/index.js';
import { Pn532Reader } from '../../hal/serial/pn532/reader.js';
import { FakeClock } from '../../hal/sim/fake-clock.js';
import { runDoctor } from '../../tools/doctor.js';
import { FakeSsd1306Bus } from '../hal/display/fake-bus.js';
import { FakeGpioNative } from '../hal/gpio/fake-native.js';

const pi4Chips = () => new FakeGpioNative([{ name: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512, ngpio: 58 }]);
const pi5Chips = () => new FakeGpioNative([{ name: 'gpiochip571', label: 'pinctrl-rp1', base: 571, ngpio: 54 }]);
const orinChips = () =>
  new FakeGpioNative([
    { name: 'gpiochip348', label: 'tegra234-gpio', base: 348, ngpio: 164 },
    { name: 'gpiochip316', label: 'tegra234-gpio-aon', base: 316, ngpio: 32 },
  ]);

test('every board validates, and the list names the real boards', () => {
  assert.equal(boardNames(), ['jetson-orin-nano', 'rpi4', 'rpi4-vehicle-gate', 'rpi5', 'sim']);
  for (const name of boardNames()) loadBoard(name);
});

test('boards use role-named pins, distinct lines, and record relay contacts', () => {
  for (const name of ['rpi4', 'rpi4-vehicle-gate', 'rpi5', 'jetson-orin-nano']) {
    const b = loadBoard(name);
    const lines: number[] = [];
    for (const spec of Object.values(b.roles)) if ('pin' in spec) lines.push(spec.pin.line);
    assert.is(new Set(lines).size, lines.length, `${name}: no line used twice`);
    assert.ok(['NO', 'NC'].includes(b.roles.doorRelay.contact));
  }
  assert.is(loadBoard('rpi5').roles.doorRelay.driver, 'gpio');
});

test('rpi4 opens on GPIO, PN532 and SSD1306 through the fakes; wiring levels follow the board', async () => {
  const gpio = pi4Chips();
  gpio.setIdle(512 + 22, 1); // exit button released: pulled up
  const bus = new FakeSsd1306Bus();
  const clock = new FakeClock();
  const board = openBoard(loadBoard('rpi4'), { clock, gpio, i2c: bus.opener });
  const { devices } = board;
  assert.instance(devices.doorRelay, GpioOutput);
  assert.instance(devices.exitButton, GpioInput);
  assert.instance(devices.cardReader, Pn532Reader);
  const relayPin = gpio.pin(512 + 17);
  assert.equal(relayPin.writes, [1], 'active-low relay opens released (high)');
  await devices.doorRelay.set(true);
  assert.is(relayPin.value, 0, 'energised = low');
  const edges: boolean[] = [];
  devices.exitButton.onChange((e) => edges.push(e.active));
  gpio.pin(512 + 22).drive(0); // button pulls the line to ground
  clock.advance(20);
  assert.equal(edges, [true]);
  await devices.display.render({ mode: 'idle', title: 'Hi' });
  assert.ok(!bus.isBlank());
  await board.close();
  assert.is(relayPin.value, 1, 'closing releases the relay');
  for (const pin of gpio.pins.values()) assert.ok(pin.released, `gpio ${pin.gpio} released`);
});

test('jetson-orin-nano resolves tegra234 lines at run time', async () => {
  const gpio = orinChips();
  const board = openBoard(loadBoard('jetson-orin-nano'), { clock: new FakeClock(), gpio, i2c: new FakeSsd1306Bus().opener });
  assert.ok(gpio.pins.has(348 + 105), 'relay on PQ.05, line 105');
  await board.close();
});

test('rpi5 with its key file opens an OSDP reader whose LED serves statusLed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-board-'));
  try {
    const keyFile = join(dir, 'scbk.hex');
    writeFileSync(keyFile, '000102030405060708090a0b0c0d0e0f\n');
    const def = loadBoard('rpi5');
    const cardReader = { ...def.roles.cardReader, scbkFile: keyFile } as typeof def.roles.cardReader;
    const board = openBoard({ ...def, roles: { ...def.roles, cardReader } }, { clock: new FakeClock(), gpio: pi5Chips(), i2c: new FakeSsd1306Bus().opener });
    assert.instance(board.devices.cardReader, OsdpControlPanel);
    assert.instance(board.devices.statusLed, OsdpLedOutput);
    await board.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('rpi5 without its key file refuses to open (never plain text) and releases what it opened', async () => {
  const gpio = pi5Chips();
  try {
    openBoard(loadBoard('rpi5'), { clock: new FakeClock(), gpio });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, HalError);
    assert.is((err as HalError).code, 'DEVICE_NOT_FOUND');
    assert.match((err as Error).message, /OSDP key file \/etc\/limen\/osdp-scbk.hex cannot be read/);
  }
  await new Promise((resolve) => setImmediate(resolve));
  for (const pin of gpio.pins.values()) assert.ok(pin.released, `gpio ${pin.gpio} released`);
});

test('an osdp-led without an osdp card reader is refused with its path', () => {
  try {
    validateBoard({ ...loadBoard('rpi4'), roles: { ...loadBoard('rpi4').roles, statusLed: { driver: 'osdp-led' } } });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, BoardError);
    assert.match((err as Error).message, /^board "rpi4": roles\.statusLed\.driver: osdp-led needs cardReader served by the osdp driver/);
  }
});

test('probe: fake GPIO and I2C answer; the missing serial port and camera are named', async () => {
  const gpio = pi4Chips();
  gpio.setIdle(512 + 27, 1);
  const results = await probeBoard(loadBoard('rpi4'), { gpio, i2c: new FakeSsd1306Bus().opener, hasCommand: () => false });
  const by = Object.fromEntries(results.map((r) => [r.role, r]));
  assert.ok(by.doorRelay?.ok);
  assert.match(by.doorRelay?.detail ?? '', /sysfs GPIO 529/);
  assert.match(by.doorContact?.detail ?? '', /reads 1 \(active: door open\)/);
  assert.ok(by.display?.ok);
  assert.not.ok(by.cardReader?.ok);
  assert.match(by.cardReader?.detail ?? '', /\/dev\/serial0 not found/);
  assert.not.ok(by.camera?.ok);
  const silent = await probeBoard(loadBoard('rpi4'), { gpio, i2c: new FakeSsd1306Bus(0x3d).opener, hasCommand: () => false });
  assert.match(silent.find((r) => r.role === 'display')?.detail ?? '', /nothing answers at 0x3c/);
});

test('doctor on this machine names every missing rpi4 device and does not crash', async () => {
  const lines: string[] = [];
  const report = await runDoctor({ board: 'rpi4', out: (l) => lines.push(l), probe: { hasCommand: () => false } });
  assert.is(report.ok, false);
  const last = lines.at(-1) ?? '';
  for (const r of report.missing) assert.ok(last.includes(r.role), `${r.role} named`);
  assert.ok(lines.some((l) => /^ {2}MISSING {2}doorRelay/.test(l)));
  const json: string[] = [];
  await runDoctor({ board: 'sim', json: true, out: (l) => json.push(l) });
  assert.is(JSON.parse(json.join('\n')).ok, true);
  const unknown = await runDoctor({ board: 'rpi9', out: () => {} }).catch((e: unknown) => e);
  assert.instance(unknown, BoardError);
});

test.run();
