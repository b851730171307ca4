import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Frame } from '../../../hal/camera.js';
import { frameByteLength } from '../../../hal/camera/formats.js';
import { SimCamera } from '../../../hal/sim/camera.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';

const rgb = (marker = 0) => ({ width: 4, height: 2, format: 'rgb24' as const, data: new Uint8Array(24).fill(marker) });

test('fps is measured on the clock over the window, and is 0 when stopped', async () => {
  const clock = new FakeClock(0);
  const camera = new SimCamera({ clock, fpsWindowMs: 2000 });
  await camera.start();
  assert.is(camera.fps, 0);
  for (let i = 0; i < 30; i++) {
    clock.advance(100);
    camera.pushFrame(rgb());
  }
  assert.is(camera.fps, 10);
  clock.advance(1000); // source went quiet: half the window is empty
  assert.is(camera.fps, 5);
  await camera.stop();
  assert.is(camera.fps, 0);
  await camera.close();
});

test('a source is polled on the clock while running, stamped with clock time', async () => {
  const clock = new FakeClock(0);
  let n = 0;
  const camera = new SimCamera({ clock, source: { fps: 20, next: () => rgb(++n) } });
  const frames: Frame[] = [];
  camera.onFrame((f) => void frames.push(f));
  clock.advance(500);
  assert.is(frames.length, 0, 'nothing before start');
  await camera.start();
  clock.advance(1000);
  assert.is(frames.length, 20);
  assert.equal(frames.slice(0, 3).map((f) => [f.seq, f.timestamp]), [[1, 550], [2, 600], [3, 650]]);
  assert.is(camera.fps, 20);
  await camera.stop();
  clock.advance(1000);
  assert.is(frames.length, 20);
  await camera.close();
  assert.is(clock.pendingTimers, 0);
});

test('frames pushed while stopped are dropped and not counted', async () => {
  const camera = new SimCamera({ clock: new FakeClock() });
  assert.is(camera.pushFrame(rgb()), null);
  await camera.start();
  assert.is(camera.pushFrame(rgb())?.seq, 1);
  assert.is(camera.captured, 1);
  await camera.close();
});

test('a waiting frame is dropped by stop; a busy handler resumes with post-restart frames only', async () => {
  const clock = new FakeClock();
  const camera = new SimCamera({ clock });
  const seen: number[] = [];
  let release!: () => void;
  camera.onFrame((f) => {
    seen.push(f.data[0] as number);
    if (seen.length === 1) return new Promise<void>((r) => (release = r));
    return undefined;
  });
  await camera.start();
  camera.pushFrame(rgb(1));
  camera.pushFrame(rgb(2));
  await camera.stop();
  await camera.start();
  release();
  await new Promise((r) => setImmediate(r));
  assert.equal(seen, [1]);
  camera.pushFrame(rgb(3));
  assert.equal(seen, [1, 3]);
  await camera.close();
});

test('handler errors are reported to onHandlerError and delivery continues', async () => {
  const errors: unknown[] = [];
  const camera = new SimCamera({ clock: new FakeClock(), onHandlerError: (e) => errors.push(e) });
  camera.onFrame(() => {
    throw new Error('boom');
  });
  camera.onFrame(() => Promise.reject(new Error('async boom')));
  await camera.start();
  camera.pushFrame(rgb());
  camera.pushFrame(rgb());
  // the rejecting handler was busy for frame 2, which then waited for it
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(
    errors.map((e) => (e as Error).message).sort(),
    ['async boom', 'async boom', 'boom', 'boom'],
  );
  await camera.close();
});

test('frame data must match size and format (TypeError)', async () => {
  const camera = new SimCamera({ clock: new FakeClock() });
  await camera.start();
  assert.throws(() => camera.pushFrame({ ...rgb(), data: new Uint8Array(23) }), TypeError);
  assert.throws(() => camera.pushFrame({ width: 3, height: 3, format: 'i420', data: new Uint8Array(13) }), TypeError);
  assert.is(frameByteLength(640, 480, 'i420'), 460_800);
  assert.is(frameByteLength(640, 480, 'gray8'), 307_200);
  await camera.close();
});

test.run();
