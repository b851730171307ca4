import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  gstTestSource,
  imageFolderSource,
  imageSource,
  jetsonArgusSource,
  processSource,
  rpicamSource,
  v4l2FfmpegSource,
  videoSource,
} from '../../../hal/camera/index.js';
import { HalError } from '../../../hal/errors.js';

test('rpicam-vid: I420 to stdout, no preview, forever', () => {
  const s = rpicamSource({ width: 1280, height: 720, fps: 30, camera: 1 });
  assert.is(s.command, 'rpicam-vid');
  assert.equal(s.args, ['-t', '0', '-n', '--codec', 'yuv420', '--width', '1280', '--height', '720', '--framerate', '30', '--camera', '1', '-o', '-']);
  assert.is(s.format, 'i420');
  // libcamera gives rpicam-vid Rec709 from 1280 wide or 720 high, SMPTE 170M below.
  assert.is(s.yuvMatrix, 'bt709');
  assert.is(rpicamSource({ width: 640, height: 480 }).yuvMatrix, 'bt601');
  assert.throws(() => rpicamSource({ width: 1000, height: 720 }), /multiple of 64/);
});

test('Jetson: nvarguscamerasrc through nvvidconv to I420 on fd 1, quiet', () => {
  const s = jetsonArgusSource({ width: 1280, height: 720, fps: 30 });
  assert.is(s.command, 'gst-launch-1.0');
  assert.is(s.args[0], '-q');
  assert.is(
    s.args.join(' '),
    '-q nvarguscamerasrc sensor-id=0 ! video/x-raw(memory:NVMM),width=1280,height=720,framerate=30/1 ! nvvidconv ! video/x-raw,format=I420,width=1280,height=720 ! fdsink fd=1',
  );
  assert.is(jetsonArgusSource({ width: 640, height: 480, format: 'rgb24' }).args.join(' ').includes('videoconvert ! video/x-raw,format=RGB'), true);
});

test('GStreamer sources need row-aligned widths and quote paths', () => {
  assert.throws(() => gstTestSource({ width: 642, height: 480 }), /multiple of 8/);
  const s = imageSource({ path: '/tmp/a dir/face "1".png', width: 64, height: 48, tool: 'gstreamer' });
  assert.ok(s.args.includes('location="/tmp/a dir/face \\"1\\".png"'));
  assert.ok(s.args.includes('imagefreeze'));
});

test('ffmpeg sources: raw frames on stdout, fitted without stretching', () => {
  const s = imageSource({ path: '/x/face.jpg', width: 64, height: 48, fps: 5, format: 'bgr24' });
  assert.is(s.command, 'ffmpeg');
  const a = s.args.join(' ');
  assert.ok(a.includes('-re -loop 1 -framerate 5 -i /x/face.jpg'));
  assert.ok(a.includes('force_original_aspect_ratio=decrease,pad=64:48'));
  assert.ok(a.endsWith('-f rawvideo -pix_fmt bgr24 pipe:1'));
  assert.ok(videoSource({ path: '/x/v.mp4', width: 64, height: 48 }).args.includes('-stream_loop'));
  assert.not.ok(videoSource({ path: '/x/v.mp4', width: 64, height: 48, loop: false }).args.includes('-stream_loop'));
  assert.ok(v4l2FfmpegSource({ width: 640, height: 480, inputFormat: 'mjpeg' }).args.join(' ').includes('-f v4l2 -framerate 15 -video_size 640x480 -input_format mjpeg -i /dev/video0'));
});

test('an image folder becomes a concat list on stdin, sorted, images only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-sources-'));
  try {
    for (const n of ['b.png', 'a.JPG', "it's.webp", 'notes.txt']) writeFileSync(join(dir, n), '');
    const s = imageFolderSource({ dir, width: 64, height: 48, secondsPerImage: 3, gapSeconds: 1 });
    assert.is(
      s.stdin,
      [
        'ffconcat version 1.0',
        `file 'file:${dir}/a.JPG'`,
        'duration 4',
        `file 'file:${dir}/b.png'`,
        'duration 4',
        `file 'file:${dir}/it'\\''s.webp'`,
        'duration 4',
        `file 'file:${dir}/it'\\''s.webp'`,
        '',
      ].join('\n'),
    );
    // Each 4 s slot: the image for 3 s, then black; the list's repeated last entry trimmed.
    const vf = s.args[s.args.indexOf('-vf') + 1]!;
    assert.ok(vf.startsWith('fps=15,trim=duration=12,'), vf);
    assert.ok(vf.endsWith(",drawbox=enable='gte(mod(t,4),3)':color=black:t=fill,realtime"), vf);
    assert.not.ok(s.args.includes('-re'), 'realtime paces the output; -re paced only the input');
    rmSync(join(dir, 'a.JPG'));
    rmSync(join(dir, 'b.png'));
    rmSync(join(dir, "it's.webp"));
    try {
      imageFolderSource({ dir, width: 64, height: 48 });
      assert.unreachable();
    } catch (err) {
      assert.instance(err, HalError);
      assert.is((err as HalError).code, 'DEVICE_NOT_FOUND');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('processSource picks the builder by kind and names the valid kinds otherwise', () => {
  assert.is(processSource({ kind: 'gst-test', width: 64, height: 48 }).command, 'gst-launch-1.0');
  assert.is(processSource({ kind: 'ffmpeg-test', width: 64, height: 48 }).command, 'ffmpeg');
  try {
    processSource({ kind: 'webcam' } as never);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, HalError);
    assert.is((err as HalError).code, 'UNKNOWN_DRIVER');
    assert.match((err as Error).message, /rpicam, jetson-argus, v4l2-gst/);
  }
  assert.throws(() => processSource({ kind: 'ffmpeg-test', width: 63, height: 47, format: 'i420' }), TypeError);
  assert.throws(() => processSource({ kind: 'ffmpeg-test', width: 64, height: 48, fps: 0 }), TypeError);
});

test.run();
