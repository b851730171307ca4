import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock } from '../../../hal/clock.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { HalError } from '../../../hal/errors.js';
import { encodeWiegand, formatConverterLine, splitWiegandValue, WiegandSerialReader } from '../../../hal/wiegand/index.js';
import { Collector } from '../contracts/util.js';
import { until } from '../serial/wait.js';
import { readerContract } from '../contracts/reader.js';
import { closePort, openPort, openPtyPair, socatOrSkip, withTeardown, writePort } from '../serial/pty.js';

async function setup() {
  const pair = await openPtyPair();
  const converter = await openPort(pair.b, 9600);
  const reader = new WiegandSerialReader({ path: pair.a, clock: systemClock, reopenDelayMs: 50 });
  await reader.whenOpen();
  const device = withTeardown(reader, async () => {
    await closePort(converter);
    await pair.close();
  });
  const send = async (line: string) => {
    if (converter.isOpen) await writePort(converter, line);
  };
  return { device, send };
}

if (socatOrSkip('WiegandSerialReader over a pty pair')) {
  readerContract('WiegandSerialReader (socat pty, simulated converter)', async () => {
    const { device, send } = await setup();
    return {
      device,
      control: {
        injectCard: (value) => {
          const { facility, card } = splitWiegandValue('wiegand26', BigInt(value));
          return send(`${formatConverterLine(encodeWiegand('wiegand26', facility, card))}\r\n`);
        },
        injectBadFrame: () => send('26:2020003\r\n'), // trailing parity bit flipped
      },
    };
  });

  test('bit-string lines, split chunks, noise lines and an overlong line', async () => {
    const { device, send } = await setup();
    try {
      const reads = new Collector<string>();
      const errors = new Collector<Error>();
      device.onRead((r) => reads.push(`${r.format}:${r.value}`));
      device.onError(errors.push);
      const frame = encodeWiegand('wiegand37', 4660, 300000).join('');
      await send(frame.slice(0, 10));
      await send(`${frame.slice(10)}\n`);
      await send('garbage!\n');
      await send(`${'x'.repeat(300)}`);
      await send('\n101\n');
      await send(`${encodeWiegand('wiegand26', 1, 1).join('')}\n`);
      await reads.until(2, 'reads');
      await errors.until(3, 'errors');
      assert.equal(reads.values, ['wiegand37:2443482080', 'wiegand26:65537']);
      for (const e of errors.values) assert.is((e as HalError).code, 'BAD_FRAME');
      assert.match(errors.values[0]?.message ?? '', /unrecognised converter line "garbage!"/);
      assert.match(errors.values[1]?.message ?? '', /longer than 256/);
      assert.match(errors.values[2]?.message ?? '', /3-bit frame is too short/);
    } finally {
      await device.close();
    }
  });

  test('keypad bursts from the converter (4-bit and 8-bit per key) come out through onKey', async () => {
    const { device, send } = await setup();
    try {
      const keys = new Collector<string>();
      const errors = new Collector<Error>();
      device.onKey((k) => keys.push(k.key));
      device.onError(errors.push);
      await send('4:1\n4:2\n0011\n8:B4\n8:5A\n8:4B\n4:C\n');
      await keys.until(6, 'keys');
      await errors.until(1, 'errors');
      assert.equal(keys.values, ['1', '2', '3', '4', '*', '#']);
      assert.match(errors.values[0]?.message ?? '', /4-bit key value 12 is not a digit/);
    } finally {
      await device.close();
    }
  });

  test('a missing port is reported once as DEVICE_NOT_FOUND and retried on the clock', async () => {
    const clock = new FakeClock();
    const reader = new WiegandSerialReader({ path: '/dev/limen-no-such-port', clock, reopenDelayMs: 20 });
    const errors = new Collector<Error>();
    reader.onError(errors.push);
    const [error] = await errors.until(1, 'errors');
    assert.is((error as HalError).code, 'DEVICE_NOT_FOUND');
    for (let i = 0; i < 3; i++) {
      await until(() => clock.pendingTimers === 1, 'a reopen scheduled');
      clock.advance(20); // the reopen attempt fails again
    }
    await until(() => clock.pendingTimers === 1, 'a reopen scheduled');
    assert.is(errors.values.length, 1, 'reported once per outage');
    await reader.close();
    assert.is(clock.pendingTimers, 0, 'close cancels the retry');
    assert.is(((await reader.whenOpen().catch((e: unknown) => e)) as HalError).code, 'DEVICE_CLOSED');
  });
}

test.run();
