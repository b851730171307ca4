import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Display, DisplayState } from '../../../hal/display.js';
import { HalError } from '../../../hal/errors.js';
import { rejection } from './util.js';

/** Optional view on what the hardware shows; drivers that cannot read it back pass {}. */
export interface DisplayControl {
  /** True when the physical screen is blank (all pixels off / page cleared). */
  isBlank?(): boolean;
}

export type MakeDisplay = () => Promise<{ device: Display; control: DisplayControl }>;

const BLANK: DisplayState = { mode: 'idle', title: '' };

/** The Display contract (hal/display.ts), run against any driver. */
export function displayContract(name: string, make: MakeDisplay): void {
  const test = suite(`${name}: Display contract`);

  test('before any render, current is idle with an empty title', async () => {
    const { device } = await make();
    try {
      assert.equal({ ...device.current }, BLANK);
    } finally {
      await device.close();
    }
  });

  test('render replaces what is shown, for every mode, with detail and QR', async () => {
    const { device, control } = await make();
    try {
      const states: DisplayState[] = [
        { mode: 'prompt', title: 'Come closer' },
        { mode: 'granted', title: 'Ada Lovelace', detail: 'Welcome' },
        { mode: 'denied', title: 'Access denied', detail: 'outside schedule' },
        { mode: 'alert', title: 'Door held open' },
        { mode: 'idle', title: 'Scan to register', qr: 'https://example.test/visit/abc' },
      ];
      for (const state of states) {
        await device.render(state);
        assert.equal({ ...device.current }, state);
        if (control.isBlank) assert.is(control.isBlank(), false);
      }
      await device.render({ mode: 'idle', title: 'Hello' });
      assert.equal({ ...device.current }, { mode: 'idle', title: 'Hello' }, 'detail and qr do not linger');
    } finally {
      await device.close();
    }
  });

  test('render rejects an invalid state with TypeError and keeps the screen', async () => {
    const { device } = await make();
    try {
      await device.render({ mode: 'granted', title: 'Ok' });
      const bad = [
        { mode: 'party', title: 'x' },
        { mode: 'idle', title: 42 },
        { mode: 'idle', title: 'x', qr: {} },
      ] as unknown as DisplayState[];
      for (const state of bad) assert.instance(await rejection(device.render(state)), TypeError);
      assert.equal({ ...device.current }, { mode: 'granted', title: 'Ok' });
    } finally {
      await device.close();
    }
  });

  test('close blanks; afterwards render rejects DEVICE_CLOSED and close does nothing', async () => {
    const { device, control } = await make();
    await device.render({ mode: 'alert', title: 'Tamper' });
    await device.close();
    assert.equal({ ...device.current }, BLANK);
    if (control.isBlank) assert.is(control.isBlank(), true);
    const error = await rejection(device.render({ mode: 'idle', title: 'again' }));
    assert.instance(error, HalError);
    assert.is((error as HalError).code, 'DEVICE_CLOSED');
    await device.close();
    assert.equal({ ...device.current }, BLANK);
  });

  test.run();
}
