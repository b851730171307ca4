import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HalError } from '../../../hal/errors.js';
import type { CardRead, CardReader } from '../../../hal/reader.js';
import { Collector, tick } from './util.js';

/** Plays the far side of a reader under test. */
export interface ReaderControl {
  /**
   * Makes the reader see a card whose credential value is `value` (a decimal
   * string that fits the reader's format; the contract uses values below 2^24).
   */
  injectCard(value: string): void | Promise<void>;
  /** Makes the reader see a frame that fails parity or framing. */
  injectBadFrame(): void | Promise<void>;
  /** Resolves once injected input has been processed. Default: one event-loop turn. */
  settle?(): Promise<void>;
}

export type MakeReader = () => Promise<{ device: CardReader; control: ReaderControl }>;

/** The CardReader contract (hal/reader.ts), run against any driver. */
export function readerContract(name: string, make: MakeReader): void {
  const test = suite(`${name}: CardReader contract`);

  /** Runs `body` on a fresh reader whose reads and errors are collected; closes it afterwards. */
  const withReader = async (body: (r: { device: CardReader; control: ReaderControl; reads: Collector<CardRead>; errors: Collector<Error> }) => Promise<void>) => {
    const { device, control } = await make();
    try {
      const reads = new Collector<CardRead>();
      const errors = new Collector<Error>();
      device.onRead(reads.push);
      device.onError(errors.push);
      await body({ device, control, reads, errors });
    } finally {
      await device.close();
    }
  };

  test('a card comes out once as a CardRead with the injected value', async () => {
    await withReader(async ({ control, reads, errors }) => {
      await control.injectCard('1234567');
      const [read] = await reads.until(1, 'reads');
      await (control.settle ?? tick)();
      assert.is(reads.values.length, 1);
      assert.is(errors.values.length, 0);
      assert.is(read?.value, '1234567');
      assert.type(read?.format, 'string');
      assert.ok(Number.isInteger(read?.bitLength) && (read?.bitLength ?? 0) > 0, 'bitLength is a positive integer');
      assert.ok(Number.isFinite(read?.timestamp), 'timestamped');
      if (read?.facility !== undefined) assert.ok(Number.isInteger(read.facility) && read.facility >= 0);
    });
  });

  test('reads arrive in order and values are decimal strings', async () => {
    await withReader(async ({ control, reads }) => {
      const values = ['1', '65535', '16777215'];
      for (const [i, v] of values.entries()) {
        await control.injectCard(v);
        await reads.until(i + 1, 'reads');
      }
      assert.equal(
        reads.values.map((r) => r.value),
        ['1', '65535', '16777215'],
      );
      for (const r of reads.values) assert.match(r.value, /^[0-9]+$/);
    });
  });

  test('a bad frame goes to onError as BAD_FRAME, never to onRead, and the next card still reads', async () => {
    await withReader(async ({ control, reads, errors }) => {
      await control.injectBadFrame();
      const [error] = await errors.until(1, 'errors');
      assert.instance(error, HalError);
      assert.is((error as HalError).code, 'BAD_FRAME');
      await control.injectCard('42');
      await reads.until(1, 'reads');
      assert.equal(
        reads.values.map((r) => r.value),
        ['42'],
      );
      assert.is(errors.values.length, 1);
    });
  });

  test('an unsubscribed handler is not called; the others are', async () => {
    await withReader(async ({ device, control, reads: kept }) => {
      const dropped = new Collector<CardRead>();
      device.onRead(dropped.push)();
      await control.injectCard('7');
      await kept.until(1, 'reads');
      await (control.settle ?? tick)();
      assert.is(dropped.values.length, 0);
    });
  });

  test('after close no handler is called and close does nothing', async () => {
    const { device, control } = await make();
    const reads = new Collector<CardRead>();
    const errors = new Collector<Error>();
    device.onRead(reads.push);
    device.onError(errors.push);
    await device.close();
    await control.injectCard('99');
    await control.injectBadFrame();
    await (control.settle ?? tick)();
    assert.is(reads.values.length, 0);
    assert.is(errors.values.length, 0);
    await device.close();
  });

  test.run();
}
