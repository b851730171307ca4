import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HalError } from '../../../hal/errors.js';
import type { CardRead } from '../../../hal/reader.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { encodeWiegand, GpioWiegandReader, splitWiegandValue } from '../../../hal/wiegand/index.js';
import { readerContract } from '../contracts/reader.js';
import { FakeGpioNative } from '../gpio/fake-native.js';
import { TRAINS, type Edge } from './fixtures.js';

const D0 = { chip: 'pinctrl-bcm2711', line: 20 };
const D1 = { chip: 'pinctrl-bcm2711', line: 21 };

function setup() {
  const native = new FakeGpioNative();
  native.setIdle(532, 1);
  native.setIdle(533, 1);
  const clock = new FakeClock(0);
  const reader = new GpioWiegandReader({ native, clock, d0: D0, d1: D1, frameGapMs: 25 });
  const lines = { D0: native.pin(532), D1: native.pin(533) };
  let t = clock.now();
  /** Plays edges at their times (µs from now), then lets the frame gap pass. */
  const play = (edges: Edge[]) => {
    const start = t;
    for (const [us, line, level] of edges) {
      const at = start + us / 1000;
      clock.advance(at - clock.now());
      lines[line].drive(level);
    }
    clock.advance(50);
    t = clock.now();
  };
  return { native, clock, reader, play };
}

for (const fixture of TRAINS) {
  test(`pulse train: ${fixture.name} (${fixture.note})`, async () => {
    const { reader, play } = setup();
    const out: Array<string | Error> = [];
    reader.onRead((r) => out.push(r.value));
    reader.onError((e) => out.push(e));
    play(fixture.edges);
    assert.is(out.length, fixture.expect.length, out.map(String).join(' | '));
    fixture.expect.forEach((want, i) => {
      const got = out[i];
      if (typeof want === 'string') assert.is(got, want);
      else {
        assert.instance(got, HalError);
        assert.is((got as HalError).code, 'BAD_FRAME');
        assert.match((got as Error).message, want);
      }
    });
    await reader.close();
  });
}

test('a read carries format, facility and the time of its first bit', async () => {
  const { reader, play, clock } = setup();
  const reads: CardRead[] = [];
  reader.onRead((r) => reads.push(r));
  const t0 = clock.now();
  play(encodeWiegand('wiegand34', 1000, 50000).map((b, i): Edge[] => [[i * 2000, b ? 'D1' : 'D0', 0], [i * 2000 + 50, b ? 'D1' : 'D0', 1]]).flat());
  assert.equal(reads, [{ format: 'wiegand34', bitLength: 32, value: '65586000', facility: 1000, timestamp: t0 }]);
  await reader.close();
});

test('keypad bursts: a 4-bit and an 8-bit key per press come out through onKey, a garbled 8-bit key is BAD_FRAME', async () => {
  const { reader, play } = setup();
  const keys: string[] = [];
  const errors: Error[] = [];
  reader.onKey((k) => keys.push(k.key));
  reader.onError((e) => errors.push(e));
  reader.onRead(() => assert.unreachable('a key is not a card'));
  const burst = (bits: string): Edge[] => [...bits].flatMap((b, i): Edge[] => [[i * 2000, b === '1' ? 'D1' : 'D0', 0], [i * 2000 + 50, b === '1' ? 'D1' : 'D0', 1]]);
  play(burst('0111')); // 4-bit 7
  play(burst('1011')); // 4-bit 11 = #
  play(burst('01011010')); // 8-bit: complement 0101, value 1010 = *
  play(burst('11100001')); // 8-bit 1
  play(burst('11110001')); // complement of 1 would be 1110: garbled
  assert.equal(keys, ['7', '#', '*', '1']);
  assert.is(errors.length, 1);
  assert.match(errors[0]?.message ?? '', /fails its complement check/);
  await reader.close();
});

test('close releases both lines and a half-received frame is dropped', async () => {
  const { reader, native, clock } = setup();
  const out: unknown[] = [];
  reader.onRead((r) => out.push(r));
  reader.onError((e) => out.push(e));
  native.pin(532).pulse(0);
  await reader.close();
  clock.advance(100);
  assert.is(out.length, 0);
  assert.ok(native.pin(532).released && native.pin(533).released);
});

readerContract('GpioWiegandReader (fake GPIO, 26-bit frames)', async () => {
  const { reader, play } = setup();
  const frameEdges = (bits: number[]): Edge[] => bits.flatMap((b, i): Edge[] => [[i * 2000, b ? 'D1' : 'D0', 0], [i * 2000 + 50, b ? 'D1' : 'D0', 1]]);
  return {
    device: reader,
    control: {
      injectCard: (value) => {
        const { facility, card } = splitWiegandValue('wiegand26', BigInt(value));
        play(frameEdges(encodeWiegand('wiegand26', facility, card)));
      },
      injectBadFrame: () => {
        const bits = encodeWiegand('wiegand26', 1, 1);
        bits[25] = 1 - (bits[25] as number);
        play(frameEdges(bits));
      },
    },
  };
});

test.run();
