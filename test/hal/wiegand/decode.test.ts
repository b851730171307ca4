import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { decodeWiegand, encodeWiegand, WiegandAssembler, type WiegandBurst, type WiegandFormat } from '../../../hal/wiegand/index.js';
import { formatConverterLine, parseConverterLine } from '../../../hal/wiegand/converter.js';
import { FRAMES } from './fixtures.js';

const bitsOf = (s: string) => [...s].map(Number);

for (const f of FRAMES) {
  test(`fixture: ${f.name}`, () => {
    const result = decodeWiegand(bitsOf(f.frame));
    if ('error' in f.expect) {
      assert.is(result.ok, false);
      if (!result.ok) assert.match(result.reason, f.expect.error);
    } else {
      assert.ok(result.ok, result.ok ? '' : result.reason);
      if (result.ok) {
        const { format, bitLength, facility, value } = result.card;
        assert.equal({ format, bitLength, facility, value }, f.expect);
        assert.equal(encodeWiegand(format, facility, result.card.card).join(''), f.frame, 'the encoder builds the same frame');
      }
    }
  });
}

const LAYOUT: Record<WiegandFormat, [number, number]> = { wiegand26: [8, 16], wiegand34: [16, 16], wiegand37: [16, 19] };

test('encode → decode round-trips, and any single flipped bit is caught', () => {
  const format = fc.constantFrom<WiegandFormat>('wiegand26', 'wiegand34', 'wiegand37');
  fc.assert(
    fc.property(format, fc.nat(), fc.nat(), fc.nat(), (fmt, f, c, flip) => {
      const [fb, cb] = LAYOUT[fmt];
      const facility = f % 2 ** fb;
      const card = c % 2 ** cb;
      const bits = encodeWiegand(fmt, facility, card);
      const ok = decodeWiegand(bits);
      if (!ok.ok || ok.card.facility !== facility || ok.card.card !== card) return false;
      const flipped = [...bits];
      const at = flip % bits.length;
      flipped[at] = 1 - (flipped[at] as number);
      return decodeWiegand(flipped).ok === false;
    }),
  );
});

test('garbage input is a reason, never a throw', () => {
  assert.is(decodeWiegand([2, 0, 1] as number[]).ok, false);
  assert.is(decodeWiegand('nope' as unknown as number[]).ok, false);
  assert.is(decodeWiegand([]).ok, false);
  assert.throws(() => encodeWiegand('wiegand26', 256, 0), TypeError);
});

test('the assembler ends a burst after the inter-bit gap, timed by the clock', () => {
  const clock = new FakeClock(0);
  const bursts: WiegandBurst[] = [];
  const asm = new WiegandAssembler({ clock, frameGapMs: 25, onBurst: (b) => bursts.push(b) });
  asm.bit(1);
  clock.advance(20);
  asm.bit(0);
  clock.advance(24);
  assert.is(bursts.length, 0, 'each bit restarts the gap');
  clock.advance(1);
  assert.equal(bursts, [{ bits: [1, 0], noise: false, timestamp: 0 }]);
  asm.noise();
  asm.close();
  clock.advance(100);
  assert.is(bursts.length, 1, 'close drops the burst in progress');
});

test('an overlong burst is marked as noise instead of growing', () => {
  const clock = new FakeClock(0);
  const bursts: WiegandBurst[] = [];
  const asm = new WiegandAssembler({ clock, maxBits: 40, onBurst: (b) => bursts.push(b) });
  for (let i = 0; i < 50; i++) asm.bit(0);
  clock.advance(25);
  assert.is(bursts[0]?.bits.length, 40);
  assert.is(bursts[0]?.noise, true);
});

test('converter lines: bit strings and count:hex, both with parity kept', () => {
  const frame = FRAMES[0]?.frame as string;
  assert.equal(parseConverterLine(frame), { kind: 'frame', bits: bitsOf(frame) });
  assert.is(formatConverterLine(bitsOf(frame)), '26:2020002');
  assert.equal(parseConverterLine('26:2020002\r'), { kind: 'frame', bits: bitsOf(frame) });
  assert.equal(parseConverterLine('  '), { kind: 'empty' });
  const bad = ['26:FFFFFFF', '99:1', 'hello', '1'.repeat(70)].map((l) => parseConverterLine(l).kind);
  assert.equal(bad, ['bad', 'bad', 'bad', 'bad']);
});

test.run();
