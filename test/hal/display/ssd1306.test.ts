import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DisplayState } from '../../../hal/display.js';
import { Ssd1306Display, wrap, layoutState } from '../../../hal/display/index.js';
import { HalError } from '../../../hal/errors.js';
import { displayContract } from '../contracts/display.js';
import { FakeSsd1306Bus } from './fake-bus.js';

// Golden screens: 64 lines of 128 '#'/'.' characters, what the panel RAM holds after
// the render. Regenerate after a deliberate layout change with LIMEN_UPDATE_GOLDEN=1.
const GOLDEN = new URL('./golden/', import.meta.url);
const GOLDENS: Array<[string, DisplayState]> = [
  ['idle-title', { mode: 'idle', title: 'Present card' }],
  ['granted-name-detail', { mode: 'granted', title: 'Ada', detail: 'Access granted - welcome back, have a nice day' }],
  ['denied-inverted', { mode: 'denied', title: 'Access denied', detail: 'outside schedule' }],
  ['qr-visitor', { mode: 'idle', title: 'Scan to register', detail: 'visitor pass', qr: 'https://example.test/v/abc123' }],
];

function display(bus = new FakeSsd1306Bus()) {
  return { bus, device: new Ssd1306Display({ bus: 1, open: bus.opener }) };
}

displayContract('Ssd1306Display (fake I2C bus)', async () => {
  const { bus, device } = display();
  return { device, control: { isBlank: () => bus.isBlank() } };
});

for (const [name, state] of GOLDENS) {
  test(`golden screen: ${name}`, async () => {
    const { bus, device } = display();
    await device.render(state);
    const got = bus.toText();
    const file = new URL(`${name}.txt`, GOLDEN);
    if (process.env.LIMEN_UPDATE_GOLDEN === '1') writeFileSync(file, got);
    assert.fixture(got, readFileSync(file, 'utf8'));
    assert.is(got, layoutState(state).fb.toText(), 'the bus carried exactly the laid-out framebuffer');
    await device.close();
  });
}

test('the first render initialises the panel; later renders send only the pages that changed', async () => {
  const { bus, device } = display();
  await device.render({ mode: 'idle', title: 'Hello' });
  assert.is(bus.opened, 1);
  assert.ok(bus.initialised && bus.displayOn);
  const init = bus.writes[0]?.bytes;
  assert.equal([...(init ?? [])].slice(0, 2), [0x00, 0xae], 'command stream starting with display off');
  assert.ok(init?.includes(0x8d) && init.at(-1) === 0xaf, 'charge pump set, display on last');
  const before = bus.writes.length;
  await device.render({ mode: 'idle', title: 'Hello', detail: 'x' }); // only the detail's rows change
  const a = layoutState({ mode: 'idle', title: 'Hello' }).fb;
  const b = layoutState({ mode: 'idle', title: 'Hello', detail: 'x' }).fb;
  const changed = [0, 1, 2, 3, 4, 5, 6, 7].filter((p) => Buffer.compare(Buffer.from(a.page(p)), Buffer.from(b.page(p))) !== 0);
  const dataWrites = bus.writes.slice(before).filter((w) => w.bytes[0] === 0x40);
  assert.ok(changed.length > 0 && changed.length < 8);
  assert.is(dataWrites.length, changed.length, 'one page write per changed page');
  const repeat = bus.writes.length;
  await device.render({ mode: 'idle', title: 'Hello', detail: 'x' });
  assert.is(bus.writes.length, repeat, 'nothing to send for an identical screen');
  await device.close();
  assert.ok(bus.closed && !bus.displayOn);
});

test('an I2C failure rejects DEVICE_IO, keeps current, and the next render re-initialises', async () => {
  const { bus, device } = display();
  await device.render({ mode: 'idle', title: 'One' });
  bus.failNext = true;
  const err = await device.render({ mode: 'alert', title: 'Two' }).catch((e: unknown) => e);
  assert.instance(err, HalError);
  assert.is((err as HalError).code, 'DEVICE_IO');
  assert.match((err as Error).message, /EREMOTEIO/);
  assert.equal({ ...device.current }, { mode: 'idle', title: 'One' });
  const before = bus.writes.length;
  await device.render({ mode: 'alert', title: 'Two' });
  assert.is(bus.writes[before]?.bytes[1], 0xae, 'init sequence again');
  assert.is(bus.toText(), layoutState({ mode: 'alert', title: 'Two' }).fb.toText());
  await device.close();
});

test('a missing bus rejects DEVICE_IO naming the device', async () => {
  const bus = new FakeSsd1306Bus();
  const device = new Ssd1306Display({ bus: 7, open: bus.opener });
  const err = await device.render({ mode: 'idle', title: 'x' }).catch((e: unknown) => e);
  assert.is((err as HalError).code, 'DEVICE_IO');
  assert.match((err as Error).message, /^SSD1306 i2c-7@0x3c: ENOENT/);
  await device.close();
});

test('a QR payload too long for 64 pixels is left out, the text stays', async () => {
  const warnings: string[] = [];
  const bus = new FakeSsd1306Bus();
  const device = new Ssd1306Display({ bus: 1, open: bus.opener, logger: { debug() {}, warn: (_o: object, m?: string) => void warnings.push(m ?? '') } as never });
  await device.render({ mode: 'idle', title: 'Hi', qr: 'x'.repeat(400) });
  assert.is(bus.toText(), layoutState({ mode: 'idle', title: 'Hi' }).fb.toText());
  assert.match(warnings[0] ?? '', /QR code not shown/);
  await device.close();
});

test('wrap: words, long words, truncation mark, non-font characters do not throw', () => {
  assert.equal(wrap('the quick brown fox', 9, 3), ['the quick', 'brown fox']);
  assert.equal(wrap('abcdefghijkl', 5, 3), ['abcde', 'fghij', 'kl']);
  assert.equal(wrap('one two three four five', 7, 2), ['one two', 'three.']);
  assert.ok(layoutState({ mode: 'granted', title: '张伟', detail: 'Zoë 🙂' }).fb.bytes.some((b) => b !== 0));
});

test.run();
