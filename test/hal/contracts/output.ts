import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HalError } from '../../../hal/errors.js';
import type { DigitalOutput } from '../../../hal/output.js';
import { rejection } from './util.js';

/** What the contract needs besides the device: a way to see the level at the pin. */
export interface OutputControl {
  /** The logical level the driven hardware shows right now (sim: the history; GPIO: the fake pin through the active level). */
  level(): boolean;
}

export type MakeOutput = () => Promise<{ device: DigitalOutput; control: OutputControl }>;

/** The DigitalOutput contract (hal/output.ts), run against any driver. */
export function outputContract(name: string, make: MakeOutput): void {
  const test = suite(`${name}: DigitalOutput contract`);

  test('a new output starts inactive', async () => {
    const { device, control } = await make();
    try {
      assert.is(device.state, false);
      assert.is(control.level(), false);
    } finally {
      await device.close();
    }
  });

  test('set applies the level before it resolves; state reads it back', async () => {
    const { device, control } = await make();
    try {
      await device.set(true);
      assert.is(device.state, true);
      assert.is(control.level(), true);
      await device.set(true);
      assert.is(control.level(), true, 'a repeated level keeps it');
      await device.set(false);
      assert.is(device.state, false);
      assert.is(control.level(), false);
    } finally {
      await device.close();
    }
  });

  test('consecutive sets apply in call order', async () => {
    const { device, control } = await make();
    try {
      const pending = [device.set(true), device.set(false), device.set(true)];
      await Promise.all(pending);
      assert.is(device.state, true);
      assert.is(control.level(), true);
    } finally {
      await device.close();
    }
  });

  test('close drives the output inactive; afterwards set rejects DEVICE_CLOSED and close does nothing', async () => {
    const { device, control } = await make();
    await device.set(true);
    await device.close();
    assert.is(control.level(), false);
    assert.is(device.state, false);
    const error = await rejection(device.set(true));
    assert.instance(error, HalError);
    assert.is((error as HalError).code, 'DEVICE_CLOSED');
    assert.is(control.level(), false, 'a rejected set changes nothing');
    await device.close();
    assert.is(control.level(), false);
  });

  test.run();
}
