import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Camera, Frame, PixelFormat } from '../../../hal/camera.js';
import { HalError } from '../../../hal/errors.js';
import { Collector, deferred, rejection, tick } from './util.js';

export interface FrameSpec {
  width: number;
  height: number;
  format: PixelFormat;
}

/** Feeds the source of a camera under test. */
export interface CameraControl {
  /** Size and format of the frames this camera delivers; injected frames use it. */
  frameSpec: FrameSpec;
  /**
   * Makes the source produce this frame (sim: pushFrame; child-process camera: write
   * it to the child's input). Must not throw when the camera is stopped or closed.
   */
  injectFrame(frame: FrameSpec & { data: Uint8Array }): void | Promise<void>;
  /** Resolves once injected frames have been processed. Default: one event-loop turn. */
  settle?(): Promise<void>;
}

export type MakeCamera = () => Promise<{ device: Camera; control: CameraControl }>;

/** The Camera contract (hal/camera.ts), run against any driver. */
export function cameraContract(name: string, make: MakeCamera): void {
  const test = suite(`${name}: Camera contract`);

  /** A frame filled with `marker`, so the test can tell frames apart whatever seq they get. */
  function frame(control: CameraControl, marker: number) {
    const { width, height, format } = control.frameSpec;
    const bytes = format === 'i420' ? (width * height * 3) / 2 : width * height * (format === 'gray8' ? 1 : 3);
    return { width, height, format, data: new Uint8Array(bytes).fill(marker) };
  }
  const markerOf = (f: Frame) => f.data[0];

  test('start resolves running; a second start is a no-op; frames carry size, format, time and seq from 1', async () => {
    const { device, control } = await make();
    try {
      assert.is(device.running, false);
      assert.is(device.fps, 0);
      const frames = new Collector<Frame>();
      device.onFrame(frames.push);
      await device.start();
      await device.start();
      assert.is(device.running, true);
      for (let i = 1; i <= 3; i++) {
        await control.injectFrame(frame(control, i));
        await frames.until(i, 'frames');
      }
      assert.equal(
        frames.values.map(markerOf),
        [1, 2, 3],
      );
      assert.equal(
        frames.values.map((f) => f.seq),
        [1, 2, 3],
      );
      for (const f of frames.values) {
        assert.is(f.width, control.frameSpec.width);
        assert.is(f.height, control.frameSpec.height);
        assert.is(f.format, control.frameSpec.format);
        assert.ok(Number.isFinite(f.timestamp));
      }
      assert.ok(
        frames.values.every((f, i) => i === 0 || f.timestamp >= (frames.values[i - 1] as Frame).timestamp),
        'timestamps never go back',
      );
    } finally {
      await device.close();
    }
  });

  test('the latest frame wins while a handler is busy; other handlers are not held back', async () => {
    const { device, control } = await make();
    try {
      const slowSeen: number[] = [];
      const firstDone = deferred();
      const slowCalls = new Collector<Frame>();
      device.onFrame((f) => {
        slowSeen.push(markerOf(f) as number);
        slowCalls.push(f);
        return slowCalls.values.length === 1 ? firstDone.promise : undefined;
      });
      const fast = new Collector<Frame>();
      device.onFrame(fast.push);
      await device.start();
      for (let i = 1; i <= 4; i++) {
        await control.injectFrame(frame(control, i));
        await fast.until(i, 'frames at the fast handler');
      }
      assert.equal(slowSeen, [1], 'the slow handler is still busy with frame 1');
      firstDone.resolve();
      await slowCalls.until(2, 'calls of the slow handler');
      await (control.settle ?? tick)();
      assert.equal(slowSeen, [1, 4], 'frames 2 and 3 were dropped for it; 4 won');
      assert.is(slowCalls.values[1]?.seq, 4, 'seq shows the gap');
      assert.equal(fast.values.map(markerOf), [1, 2, 3, 4]);
    } finally {
      await device.close();
    }
  });

  test('a handler that throws or rejects does not stop delivery', async () => {
    const { device, control } = await make();
    try {
      let calls = 0;
      const after = new Collector<Frame>();
      device.onFrame((f) => {
        calls++;
        after.push(f);
        if (calls === 1) throw new Error('handler bug');
        if (calls === 2) return Promise.reject(new Error('async handler bug'));
        return undefined;
      });
      await device.start();
      for (let i = 1; i <= 3; i++) {
        await control.injectFrame(frame(control, i));
        await after.until(i, 'frames');
        await (control.settle ?? tick)();
      }
      assert.equal(after.values.map(markerOf), [1, 2, 3]);
    } finally {
      await device.close();
    }
  });

  test('unsubscribe stops one handler', async () => {
    const { device, control } = await make();
    try {
      const kept = new Collector<Frame>();
      const dropped = new Collector<Frame>();
      device.onFrame(kept.push);
      const unsubscribe = device.onFrame(dropped.push);
      await device.start();
      await control.injectFrame(frame(control, 1));
      await kept.until(1, 'frames');
      unsubscribe();
      await control.injectFrame(frame(control, 2));
      await kept.until(2, 'frames');
      await (control.settle ?? tick)();
      assert.is(dropped.values.length, 1);
    } finally {
      await device.close();
    }
  });

  test('stop halts delivery and reads 0 fps; start again counts seq from 1', async () => {
    const { device, control } = await make();
    try {
      const frames = new Collector<Frame>();
      device.onFrame(frames.push);
      await device.start();
      await control.injectFrame(frame(control, 1));
      await frames.until(1, 'frames');
      await device.stop();
      assert.is(device.running, false);
      assert.is(device.fps, 0);
      await control.injectFrame(frame(control, 2));
      await (control.settle ?? tick)();
      assert.is(frames.values.length, 1, 'nothing delivered while stopped');
      await device.start();
      await control.injectFrame(frame(control, 3));
      await frames.until(2, 'frames');
      assert.is(frames.values[1]?.seq, 1);
      assert.is(markerOf(frames.values[1] as Frame), 3);
    } finally {
      await device.close();
    }
  });

  test('after close start rejects DEVICE_CLOSED, stop and close do nothing, no handler runs', async () => {
    const { device, control } = await make();
    const frames = new Collector<Frame>();
    const busy = deferred();
    let calls = 0;
    device.onFrame((f) => {
      calls++;
      frames.push(f);
      return calls === 1 ? busy.promise : undefined;
    });
    await device.start();
    await control.injectFrame(frame(control, 1));
    await frames.until(1, 'frames');
    await control.injectFrame(frame(control, 2)); // waits for the busy handler
    await (control.settle ?? tick)();
    await device.close();
    busy.resolve();
    await control.injectFrame(frame(control, 3));
    await (control.settle ?? tick)();
    assert.is(frames.values.length, 1, 'the waiting frame was dropped at close');
    assert.is(device.running, false);
    const error = await rejection(device.start());
    assert.instance(error, HalError);
    assert.is((error as HalError).code, 'DEVICE_CLOSED');
    await device.stop();
    await device.close();
    assert.is(device.fps, 0);
  });

  test.run();
}
