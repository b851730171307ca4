import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HalError } from '../../../hal/errors.js';
import type { CardRead } from '../../../hal/reader.js';
import { SimCardReader } from '../../../hal/sim/card-reader.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';

function setup() {
  const clock = new FakeClock(5_000);
  const reader = new SimCardReader({ clock });
  const reads: CardRead[] = [];
  const errors: Error[] = [];
  reader.onRead((r) => reads.push(r));
  reader.onError((e) => errors.push(e));
  return { reader, reads, errors };
}

test('wiegand26 splits facility (8 bits) from the card number (16 bits)', () => {
  const { reader, reads } = setup();
  reader.present(18 * 65536 + 54321);
  assert.equal(reads, [{ format: 'wiegand26', bitLength: 24, value: '1233969', facility: 18, timestamp: 5_000 }]);
});

test('wiegand34 and wiegand37 use their own layouts', () => {
  const { reader, reads } = setup();
  reader.present('4294967295', 'wiegand34');
  reader.present(BigInt(1000) * 524288n + 7n, 'wiegand37');
  assert.equal(
    reads.map((r) => [r.format, r.bitLength, r.facility, r.value]),
    [
      ['wiegand34', 32, 65535, '4294967295'],
      ['wiegand37', 35, 1000, '524288007'],
    ],
  );
});

test('a value too big for the format is a BAD_FRAME error, never a read', () => {
  const { reader, reads, errors } = setup();
  const result = reader.present(1 << 24, 'wiegand26');
  assert.is(result.ok, false);
  assert.is(reads.length, 0);
  assert.instance(errors[0], HalError);
  assert.is((errors[0] as HalError).code, 'BAD_FRAME');
  assert.match(errors[0]?.message ?? '', /does not fit in wiegand26/);
});

test('garbage from a control panel is a BAD_FRAME error, not an exception', () => {
  const { reader, reads, errors } = setup();
  for (const bad of ['12ab', '', '-5', ' 7', 1.5, -1, Number.NaN]) reader.present(bad as string);
  reader.presentPin('12a4');
  reader.presentPin('');
  reader.present('123', 'bogus' as 'osdp');
  assert.is(reads.length, 0);
  assert.is(errors.length, 10);
  assert.ok(errors.every((e) => e instanceof HalError && e.code === 'BAD_FRAME'));
});

test('em4100, mifare-uid and osdp carry no facility; mifare picks the UID size that fits', () => {
  const { reader, reads } = setup();
  reader.present('1099511627775', 'em4100');
  reader.present('4294967295', 'mifare-uid');
  reader.present('4294967296', 'mifare-uid');
  reader.present(5, 'osdp');
  assert.equal(
    reads.map((r) => [r.format, r.bitLength, r.facility]),
    [
      ['em4100', 40, undefined],
      ['mifare-uid', 32, undefined],
      ['mifare-uid', 56, undefined],
      ['osdp', 3, undefined],
    ],
  );
  assert.is(reader.present('1099511627776', 'em4100').ok, false);
});

test('PINs keep leading zeros, 4 bits per digit', () => {
  const { reader, reads } = setup();
  reader.presentPin('0042');
  reader.present('0099', 'keypad');
  assert.equal(
    reads.map((r) => [r.format, r.value, r.bitLength]),
    [
      ['keypad', '0042', 16],
      ['keypad', '0099', 16],
    ],
  );
});

test('card values drop leading zeros; history records reads', () => {
  const { reader } = setup();
  reader.present('000123');
  assert.is(reader.history[0]?.value, '123');
});

test('emitBadFrame reports the reason; after close present reports DEVICE_CLOSED without calling handlers', async () => {
  const { reader, reads, errors } = setup();
  reader.emitBadFrame('truncated frame');
  assert.match(errors[0]?.message ?? '', /truncated frame/);
  await reader.close();
  const result = reader.present(1);
  assert.is(result.ok, false);
  assert.is(!result.ok && result.error.code, 'DEVICE_CLOSED');
  assert.is(reads.length, 0);
  assert.is(errors.length, 1);
});

test.run();
