import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { osdpCardRead } from '../../../hal/osdp/card.js';
import { decodeWiegand, encodeWiegand } from '../../../hal/wiegand/decode.js';

const bitsToBigint = (bits: readonly number[]) => bits.reduce((v, b) => (v << 1n) | BigInt(b), 0n);

test('a Wiegand 26 frame passed through OSDP reads as the same card as over Wiegand', () => {
  const bits = encodeWiegand('wiegand26', 42, 12345);
  const overWiegand = decodeWiegand(bits);
  assert.ok(overWiegand.ok);
  const read = osdpCardRead(26, bitsToBigint(bits), 7);
  assert.equal(read, { format: 'wiegand26', bitLength: 24, value: overWiegand.ok ? overWiegand.card.value : '', facility: 42, timestamp: 7 });
});

test('34- and 37-bit frames decode too', () => {
  for (const [format, n] of [['wiegand34', 34], ['wiegand37', 37]] as const) {
    const read = osdpCardRead(n, bitsToBigint(encodeWiegand(format, 300, 4000)), 1);
    assert.is(read.format, format);
    assert.is(read.facility, 300);
  }
});

test('a frame with bad parity or another length stays a raw osdp value', () => {
  const bits = encodeWiegand('wiegand26', 1, 2);
  bits[25] = 1 - bits[25]!;
  assert.equal(osdpCardRead(26, bitsToBigint(bits), 0), { format: 'osdp', bitLength: 26, value: bitsToBigint(bits).toString(), timestamp: 0 });
  assert.equal(osdpCardRead(56, 0x04a1b2c3d4e5f6n, 0), { format: 'osdp', bitLength: 56, value: String(0x04a1b2c3d4e5f6n), timestamp: 0 });
});

test.run();
