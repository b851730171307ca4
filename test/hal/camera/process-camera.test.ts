import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Frame, PixelFormat } from '../../../hal/camera.js';
import {
  ProcessCamera,
  ffmpegTestSource,
  gstTestSource,
  imageFolderSource,
  imageSource,
  videoSource,
  type CameraLogger,
  type ProcessCameraStatus,
  type ProcessSource,
} from '../../../hal/camera/index.js';
import type { Clock } from '../../../hal/clock.js';
import { systemClock } from '../../../hal/clock.js';
import { HalError } from '../../../hal/errors.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { Collector, rejection } from '../contracts/util.js';
import { alive, hasFfmpeg, hasGstreamer } from './tools.js';

/**
 * A node child that writes `frames` frames of `bytes` bytes, frame i filled with
 * i, in 777-byte writes (so chunks never line up with frames), then stays alive
 * ('stay') or exits at once ('exit').
 */
const WRITER = `
const [bytes, frames, mode] = [Number(process.argv[1]), Number(process.argv[2]), process.argv[3]];
const out = Buffer.alloc(bytes * frames);
for (let f = 0; f < frames; f++) out.fill(f + 1, f * bytes, (f + 1) * bytes);
for (let o = 0; o < out.length; o += 777) process.stdout.write(out.subarray(o, o + 777));
if (mode === 'stay') setInterval(() => {}, 60000);
`;

function writer(width: number, height: number, frames: number, mode: 'stay' | 'exit'): ProcessSource {
  const bytes = width * height * 3;
  return {
    description: `node writer ${frames} frames`,
    command: process.execPath,
    args: ['-e', WRITER, String(bytes), String(frames), mode],
    width,
    height,
    format: 'rgb24',
  };
}

const cameras: ProcessCamera[] = [];
function camera(source: ProcessSource, clock: Clock = new FakeClock(), logger?: CameraLogger): ProcessCamera {
  const cam = new ProcessCamera({ source, clock, ...(logger && { logger }) });
  cameras.push(cam);
  return cam;
}
test.after(async () => {
  await Promise.all(cameras.map((c) => c.close()));
});

/** A logger that keeps what the camera logged, by level. */
function recordingLogger(): CameraLogger & { lines: Record<'debug' | 'info' | 'warn', string[]> } {
  const lines = { debug: [] as string[], info: [] as string[], warn: [] as string[] };
  return {
    lines,
    debug: (_obj, msg) => void lines.debug.push(msg ?? ''),
    info: (_obj, msg) => void lines.info.push(msg ?? ''),
    warn: (_obj, msg) => void lines.warn.push(msg ?? ''),
  };
}

function statuses(cam: ProcessCamera): Collector<ProcessCameraStatus> {
  const c = new Collector<ProcessCameraStatus>();
  cam.onStatus(c.push);
  return c;
}

/** A camera on `source`, started, with its statuses and frames collected from the first. */
async function started(source: ProcessSource, clock: Clock, logger?: CameraLogger) {
  const cam = camera(source, clock, logger);
  const status = statuses(cam);
  const frames = new Collector<Frame>();
  cam.onFrame(frames.push);
  await cam.start();
  return { cam, status, frames };
}

/** Runs `body` with a fresh temporary folder, removed afterwards. */
async function inTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'limen-camera-'));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a real pipe is cut into whole frames; seq counts from 1; fps is measured', async () => {
  const clock = new FakeClock();
  const cam = camera(writer(33, 17, 5, 'stay'), clock);
  const frames = new Collector<Frame>();
  cam.onFrame((f) => {
    clock.advance(100);
    frames.push(f);
  });
  await cam.start();
  await frames.until(5, 'frames');
  assert.equal(frames.values.map((f) => f.seq), [1, 2, 3, 4, 5]);
  for (const [i, f] of frames.values.entries()) {
    assert.is(f.data.length, 33 * 17 * 3);
    assert.ok(f.data.every((b) => b === i + 1), `frame ${i + 1} is whole`);
    assert.is(f.width, 33);
    assert.is(f.format, 'rgb24');
  }
  assert.ok(cam.fps > 0);
  const pid = cam.pid!;
  assert.ok(alive(pid));
  await cam.close();
  assert.not.ok(alive(pid), 'close leaves no process behind');
  assert.is(cam.pid, null);
  assert.is(cam.fps, 0);
});

test("frames carry the source's YUV matrix (rpicam-vid at HD is BT.709), and none when the source names none", async () => {
  const hd = camera({ ...writer(4, 2, 1, 'stay'), yuvMatrix: 'bt709' });
  const plain = camera(writer(4, 2, 1, 'stay'));
  const [hdFrames, plainFrames] = [new Collector<Frame>(), new Collector<Frame>()];
  hd.onFrame((f) => hdFrames.push(f));
  plain.onFrame((f) => plainFrames.push(f));
  await Promise.all([hd.start(), plain.start()]);
  await Promise.all([hdFrames.until(1, 'HD frame'), plainFrames.until(1, 'plain frame')]);
  assert.is(hdFrames.values[0]!.yuvMatrix, 'bt709');
  assert.is(plainFrames.values[0]!.yuvMatrix, undefined);
});

test('a killed child is restarted after the backoff, and frames flow again', async () => {
  const clock = new FakeClock();
  const { cam, status, frames } = await started(writer(8, 8, 2, 'stay'), clock);
  await frames.until(2, 'frames');
  const first = cam.pid!;
  process.kill(first, 'SIGKILL');
  await status.until(2, 'statuses');
  const exited = status.values[1]!;
  assert.is(exited.kind, 'exited');
  assert.equal(exited.kind === 'exited' && [exited.signal, exited.restartInMs, exited.endOfInput], ['SIGKILL', 250, false]);
  assert.is(cam.running, true, 'still running: it will restart');
  clock.advance(249);
  assert.is(status.values.length, 2, 'not before the delay');
  clock.advance(1);
  await status.until(3, 'statuses');
  assert.is(status.values[2]!.kind, 'spawned');
  assert.is.not(cam.pid, first);
  await frames.until(4, 'frames after the restart');
  assert.equal(frames.values.map((f) => f.seq), [1, 2, 3, 4], 'seq runs on across restarts');
});

test('a child that keeps dying without frames backs off: 250, 500, 1000 ms', async () => {
  const clock = new FakeClock();
  const cam = camera(writer(8, 8, 0, 'exit'), clock);
  const status = statuses(cam);
  await cam.start();
  const delays: number[] = [];
  for (let n = 2; delays.length < 3; n += 2) {
    await status.until(n, 'statuses');
    const s = status.values[n - 1]!;
    assert.is(s.kind, 'exited');
    if (s.kind === 'exited') {
      assert.is(s.code, 0);
      assert.is(s.endOfInput, false, 'exit 0 before any frame is not the end of an input');
      delays.push(s.restartInMs);
      if (delays.length < 3) clock.advance(s.restartInMs);
    }
  }
  assert.equal(delays, [250, 500, 1000]);
  await cam.stop();
  assert.is(clock.pendingTimers, 0, 'stop cancels the pending restart');
  clock.advance(10_000);
  assert.is(cam.pid, null, 'nothing spawned after stop');
});

test('a source that reaches the end of its input (exit 0 after frames) plays again: no warning, no backoff', async () => {
  const clock = new FakeClock();
  const log = recordingLogger();
  const { cam, status, frames } = await started(writer(8, 8, 2, 'exit'), clock, log);
  const ends: ProcessCameraStatus[] = [];
  for (let n = 2; ends.length < 3; n += 2) {
    await status.until(n, 'statuses');
    const s = status.values[n - 1]!;
    ends.push(s);
    if (s.kind === 'exited') clock.advance(s.restartInMs);
  }
  await frames.until(6, 'frames of three passes');
  assert.equal(
    ends.map((s) => s.kind === 'exited' && [s.code, s.endOfInput, s.restartInMs]),
    [[0, true, 250], [0, true, 250], [0, true, 250]],
  );
  assert.equal(log.lines.warn, [], 'a normal end is not a death');
  assert.equal(log.lines.info, ['camera process started'], 'only the first start is news');
  assert.ok(log.lines.debug.includes('camera input ended; playing it again'));
  assert.ok(log.lines.debug.includes('camera process started again'));
});

test('a crash is still logged as a death, and the next start is news again', async () => {
  const clock = new FakeClock();
  const log = recordingLogger();
  const { cam, status, frames } = await started(writer(8, 8, 1, 'stay'), clock, log);
  await frames.until(1, 'frames');
  process.kill(cam.pid!, 'SIGKILL');
  await status.until(2, 'statuses');
  clock.advance(250);
  await status.until(3, 'statuses');
  assert.equal(log.lines.warn, ['camera process died']);
  assert.equal(log.lines.info, ['camera process started', 'camera process started']);
});

test('a command that does not exist rejects start with DEVICE_NOT_FOUND', async () => {
  const cam = camera({ ...writer(8, 8, 1, 'exit'), command: '/nonexistent/limen-camera' });
  const error = await rejection(cam.start());
  assert.instance(error, HalError);
  assert.is((error as HalError).code, 'DEVICE_NOT_FOUND');
  assert.is(cam.running, false);
});

test('stop and start again spawns a fresh child, seq from 1', async () => {
  const cam = camera(writer(8, 8, 1, 'stay'));
  const frames = new Collector<Frame>();
  cam.onFrame(frames.push);
  await cam.start();
  await frames.until(1);
  const first = cam.pid!;
  await cam.stop();
  assert.not.ok(alive(first));
  await cam.start();
  await frames.until(2);
  assert.is(frames.values[1]!.seq, 1);
  assert.is.not(cam.pid, first);
});

async function expectFrames(source: ProcessSource, format: PixelFormat, bytes: number): Promise<void> {
  const cam = camera(source);
  const frames = new Collector<Frame>();
  cam.onFrame(frames.push);
  await cam.start();
  await frames.until(3, `${source.description} frames`);
  const pid = cam.pid!;
  await cam.close();
  assert.not.ok(alive(pid), `${source.description}: no process left`);
  for (const f of frames.values) {
    assert.is(f.format, format);
    assert.is(f.data.length, bytes);
  }
}

/** A 64×48 test source delivers whole frames as rgb24 and as i420. */
async function expectRgbAndI420(testSource: (o: { width: number; height: number; format?: 'rgb24' | 'i420' }) => ProcessSource): Promise<void> {
  await expectFrames(testSource({ width: 64, height: 48 }), 'rgb24', 64 * 48 * 3);
  await expectFrames(testSource({ width: 64, height: 48, format: 'i420' }), 'i420', (64 * 48 * 3) / 2);
}

/** A 64×48 test card as raw RGB, and as a PNG file in `dir`. */
async function testCard(dir: string): Promise<{ path: string; rgb: Buffer }> {
  const [w, h] = [64, 48];
  const rgb = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      rgb[i] = x * 4;
      rgb[i + 1] = y * 5;
      rgb[i + 2] = (x * y) & 255;
    }
  }
  const path = join(dir, 'card.png');
  await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path);
  return { path, rgb };
}

async function firstFrame(source: ProcessSource): Promise<Frame> {
  const cam = camera(source);
  const frames = new Collector<Frame>();
  cam.onFrame(frames.push);
  await cam.start();
  await frames.until(1, `${source.description} frames`);
  await cam.close();
  return frames.values[0]!;
}

if (hasFfmpeg) {
  test('ffmpeg testsrc2 delivers rgb24 and i420 frames of the right size', async () => {
    await expectRgbAndI420(ffmpegTestSource);
  });

  test('a PNG played through ffmpeg arrives pixel for pixel; a folder plays too', async () => {
    await inTempDir(async (dir) => {
      const { path, rgb } = await testCard(dir);
      const frame = await firstFrame(imageSource({ path, width: 64, height: 48, fps: 10 }));
      assert.ok(Buffer.from(frame.data).equals(rgb), 'ffmpeg frame equals the PNG pixels');
      const fromFolder = await firstFrame(imageFolderSource({ dir, width: 64, height: 48, fps: 10 }));
      assert.ok(Buffer.from(fromFolder.data).equals(rgb), 'folder frame equals the PNG pixels');
    });
  });

  test('an image folder played by ffmpeg loops: each end of the folder is logged at debug, not as a death', async () => {
    await inTempDir(async (dir) => {
      await testCard(dir);
      const log = recordingLogger();
      const cam = camera(imageFolderSource({ dir, width: 64, height: 48, fps: 10, secondsPerImage: 0.2 }), systemClock, log);
      const status = statuses(cam);
      await cam.start();
      // spawned, exited, spawned, exited: two whole passes.
      await status.until(4, 'statuses of two passes');
      const exits = status.values.filter((s) => s.kind === 'exited');
      assert.equal(exits.map((s) => s.kind === 'exited' && [s.code, s.signal, s.endOfInput]), [[0, null, true], [0, null, true]]);
      assert.equal(log.lines.warn, []);
      await cam.close();
    });
  });

  test('an image folder is paced like a camera: one still shown for 1 s arrives over that second, not in one burst, then a black gap', async () => {
    await inTempDir(async (dir) => {
      await testCard(dir);
      const cam = camera(imageFolderSource({ dir, width: 64, height: 48, fps: 10, secondsPerImage: 1 }), systemClock);
      const arrivals: number[] = [];
      const frames = new Collector<Frame>();
      cam.onFrame((f) => {
        arrivals.push(performance.now());
        frames.push(f);
    });
    await cam.start();
    await frames.until(20, 'the frames of one pass and its gap');
    await cam.close();
    // The image, then black until the slot ends: the next image is a new approach.
    const mean = (f: Frame) => f.data.reduce((a, b) => a + b, 0) / f.data.length;
    assert.ok(frames.values.slice(0, 10).every((f) => mean(f) > 40), 'the image for its 1 s');
    assert.ok(frames.values.slice(11, 20).every((f) => mean(f) < 20), 'then black');
    // A lower bound only: load can spread frames further, never bunch them earlier than
    // real time. In one burst, the ten frames came within a few milliseconds.
    assert.ok(arrivals[9]! - arrivals[0]! >= 600, `10 frames at 10 fps span ${Math.round(arrivals[9]! - arrivals[0]!)} ms`);
    });
  });

  test('a video file plays through ffmpeg, and through GStreamer when it is there', async () => {
    await inTempDir(async (dir) => {
      // Motion JPEG in AVI: both ffmpeg and GStreamer's good plugins decode it.
      const path = join(dir, 'clip.avi');
      const made = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=80x60:rate=10', '-t', '1', '-c:v', 'mjpeg', path]);
      assert.is(made.status, 0, String(made.stderr));
      await expectFrames(videoSource({ path, width: 64, height: 48, fps: 10 }), 'rgb24', 64 * 48 * 3);
      if (hasGstreamer) await expectFrames(videoSource({ path, width: 64, height: 48, fps: 10, tool: 'gstreamer' }), 'rgb24', 64 * 48 * 3);
    });
  });
} else {
  console.log('skipped: ffmpeg camera sources (ffmpeg not installed)');
}

if (hasGstreamer) {
  test('GStreamer videotestsrc delivers rgb24 and i420 frames of the right size', async () => {
    await expectRgbAndI420(gstTestSource);
  });

  test('a PNG played through GStreamer imagefreeze arrives pixel for pixel', async () => {
    await inTempDir(async (dir) => {
      const { path, rgb } = await testCard(dir);
      const frame = await firstFrame(imageSource({ path, width: 64, height: 48, fps: 10, tool: 'gstreamer' }));
      assert.ok(Buffer.from(frame.data).equals(rgb));
    });
  });

  test('a killed gst-launch is restarted; close leaves no gst-launch behind', async () => {
    const clock = new FakeClock();
    const { cam, status, frames } = await started(gstTestSource({ width: 64, height: 48, fps: 30 }), clock);
    await frames.until(1, 'frames');
    process.kill(cam.pid!, 'SIGKILL');
    await status.until(2, 'statuses');
    const s = status.values[1]!;
    assert.is(s.kind, 'exited');
    clock.advance(s.kind === 'exited' ? s.restartInMs : 0);
    await status.until(3, 'statuses');
    const seen = frames.values.length;
    await frames.until(seen + 2, 'frames after the restart');
    const pid = cam.pid!;
    await cam.close();
    assert.not.ok(alive(pid));
  });
} else {
  console.log('skipped: GStreamer camera sources (gstreamer1.0-tools not installed)');
}

test.run();
