import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FpsMeter, FrameSlicer } from '../../../hal/camera/index.js';

function stream(frames: number, size: number): Uint8Array {
  const out = new Uint8Array(frames * size);
  for (let f = 0; f < frames; f++) for (let i = 0; i < size; i++) out[f * size + i] = (f * 31 + i) & 255;
  return out;
}

test('frames come out whole whatever the chunking', () => {
  const size = 10;
  const bytes = stream(7, size);
  for (const chunk of [1, 3, 10, 11, 25, 70, 1000]) {
    const slicer = new FrameSlicer(size);
    const frames: Uint8Array[] = [];
    for (let o = 0; o < bytes.length; o += chunk) slicer.push(bytes.subarray(o, o + chunk), (f) => frames.push(f));
    assert.is(frames.length, 7, `chunk ${chunk}`);
    frames.forEach((f, i) => assert.equal(Array.from(f), Array.from(bytes.subarray(i * size, (i + 1) * size))));
    assert.is(slicer.partialBytes, 0);
  }
});

test('each frame owns its buffer; reset drops a partial frame', () => {
  const slicer = new FrameSlicer(4);
  const frames: Uint8Array[] = [];
  const chunk = Uint8Array.of(1, 2, 3, 4, 5, 6);
  slicer.push(chunk, (f) => frames.push(f));
  chunk.fill(0);
  assert.equal(Array.from(frames[0]!), [1, 2, 3, 4], 'not a view of the chunk');
  assert.is(slicer.partialBytes, 2);
  slicer.reset();
  slicer.push(Uint8Array.of(9, 9, 9, 9), (f) => frames.push(f));
  assert.equal(Array.from(frames[1]!), [9, 9, 9, 9]);
  assert.throws(() => new FrameSlicer(0), TypeError);
});

test('fps counts frames over the window, or since reset when that is shorter', () => {
  const fps = new FpsMeter(2000);
  fps.reset(0);
  for (let t = 100; t <= 1000; t += 100) fps.record(t);
  assert.is(fps.rate(1000), 10);
  assert.is(fps.rate(3000), 0, 'all frames fell out of the window');
  for (let t = 3100; t <= 5000; t += 50) fps.record(t);
  assert.is(Math.round(fps.rate(5000)), 20);
});

test.run();
