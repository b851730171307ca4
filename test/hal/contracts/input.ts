import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { DigitalInput, InputEdge } from '../../../hal/input.js';
import { Collector, tick } from './util.js';

/** Drives the wire of an input under test. The device must start inactive. */
export interface InputControl {
  /** The debounce time the device was made with (more than 1 ms). */
  debounceMs: number;
  /** Sets the raw level on the wire (sim: setRaw; GPIO: the fake pin through the active level). */
  drive(active: boolean): void | Promise<void>;
  /** Moves the device's clock forward, firing what falls due. */
  advance(ms: number): void | Promise<void>;
  /** The device's clock. */
  now(): number;
  /** Resolves once driven levels have been processed. Default: one event-loop turn. */
  settle?(): Promise<void>;
}

export type MakeInput = () => Promise<{ device: DigitalInput; control: InputControl }>;

/** The DigitalInput contract (hal/input.ts), run against any driver. */
export function inputContract(name: string, make: MakeInput): void {
  const test = suite(`${name}: DigitalInput contract`);

  async function setup() {
    const { device, control } = await make();
    const settle = control.settle ?? tick;
    const drive = async (active: boolean) => {
      await control.drive(active);
      await settle();
    };
    const advance = async (ms: number) => {
      await control.advance(ms);
      await settle();
    };
    return { device, control, drive, advance };
  }

  test('a level that holds for debounceMs becomes the state, with one edge', async () => {
    const { device, control, drive, advance } = await setup();
    try {
      const edges = new Collector<InputEdge>();
      device.onChange(edges.push);
      assert.is(device.state, false);
      const t0 = control.now();
      await drive(true);
      await advance(control.debounceMs - 1);
      assert.is(device.state, false, 'not before debounceMs');
      assert.is(edges.values.length, 0);
      await advance(1);
      assert.is(device.state, true);
      assert.is(edges.values.length, 1);
      const edge = edges.values[0] as InputEdge;
      assert.is(edge.active, true);
      assert.ok(edge.timestamp >= t0 && edge.timestamp <= control.now(), 'edge stamped by the HAL clock');
      await drive(false);
      await advance(control.debounceMs);
      assert.is(device.state, false);
      assert.equal(
        edges.values.map((e) => e.active),
        [true, false],
      );
    } finally {
      await device.close();
    }
  });

  test('glitches shorter than debounceMs are ignored', async () => {
    const { device, control, drive, advance } = await setup();
    try {
      const edges = new Collector<InputEdge>();
      device.onChange(edges.push);
      const half = Math.floor(control.debounceMs / 2);
      for (let i = 0; i < 3; i++) {
        await drive(true);
        await advance(half);
        await drive(false);
        await advance(half);
      }
      await advance(control.debounceMs * 2);
      assert.is(device.state, false);
      assert.is(edges.values.length, 0);
    } finally {
      await device.close();
    }
  });

  test('a bouncing change counts once, after the last bounce settles', async () => {
    const { device, control, drive, advance } = await setup();
    try {
      const edges = new Collector<InputEdge>();
      device.onChange(edges.push);
      await drive(true);
      await advance(1);
      await drive(false);
      await advance(1);
      await drive(true);
      await advance(control.debounceMs - 1);
      assert.is(device.state, false, 'the last bounce restarted the wait');
      await advance(1);
      assert.is(device.state, true);
      assert.is(edges.values.length, 1);
    } finally {
      await device.close();
    }
  });

  test('every handler gets each change; an unsubscribed one stops', async () => {
    const { device, control, drive, advance } = await setup();
    try {
      const a = new Collector<InputEdge>();
      const b = new Collector<InputEdge>();
      device.onChange(a.push);
      const unsubscribe = device.onChange(b.push);
      await drive(true);
      await advance(control.debounceMs);
      unsubscribe();
      await drive(false);
      await advance(control.debounceMs);
      assert.is(a.values.length, 2);
      assert.is(b.values.length, 1);
    } finally {
      await device.close();
    }
  });

  test('after close no handler is called, state keeps its last value, close does nothing', async () => {
    const { device, control, drive, advance } = await setup();
    const edges = new Collector<InputEdge>();
    device.onChange(edges.push);
    await drive(true);
    await advance(control.debounceMs);
    await drive(false); // pending when the device closes
    await device.close();
    await advance(control.debounceMs * 2);
    await drive(true);
    await drive(false);
    await advance(control.debounceMs * 2);
    assert.is(edges.values.length, 1);
    assert.is(device.state, true);
    await device.close();
  });

  test.run();
}
