// Frame formats (hal/camera/formats.ts): byte sizes, conversions checked against
// tiny hand-computed fixtures, a round-trip property, and the real pipelines' YUV
// (ffmpeg through ProcessCamera) read back with the colours it was given.
//
// The fixtures use BT.601 limited range, the matrix the module reads YUV with:
//   c = 1.164 (Y − 16)
//   R = c + 1.596 (V − 128)
//   G = c − 0.392 (U − 128) − 0.813 (V − 128)
//   B = c + 2.017 (U − 128)
// rounded and clamped to 0..255.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Frame, PixelFormat } from '../../../hal/camera.js';
import { frameByteLength, rgbToI420, toLuma, toRgb } from '../../../hal/camera/formats.js';
import { ProcessCamera, imageSource } from '../../../hal/camera/index.js';
import { HalError } from '../../../hal/errors.js';
import { Collector } from '../contracts/util.js';
import { hasFfmpeg } from './tools.js';

const frame = (format: PixelFormat, width: number, height: number, bytes: number[] | Uint8Array): Frame => ({
  width,
  height,
  format,
  data: Uint8Array.from(bytes),
  timestamp: 0,
  seq: 1,
});
const rgbOf = (f: Frame) => Array.from(toRgb(f).data);

test('byte sizes: 4:2:0 chroma planes are ⌈w/2⌉×⌈h/2⌉, so odd sizes round up', () => {
  assert.is(frameByteLength(640, 480, 'i420'), 460_800);
  assert.is(frameByteLength(2, 2, 'i420'), 4 + 1 + 1);
  assert.is(frameByteLength(3, 3, 'i420'), 9 + 4 + 4);
  assert.is(frameByteLength(3, 3, 'nv12'), 9 + 8);
  assert.is(frameByteLength(3, 1, 'i420'), 3 + 2 + 2);
  assert.is(frameByteLength(2, 2, 'rgba'), 16);
  assert.is(frameByteLength(2, 2, 'gray8'), 4);
  assert.throws(() => frameByteLength(0, 2, 'rgb24'), TypeError);
  assert.throws(() => frameByteLength(2, 2, 'yuyv' as PixelFormat), TypeError);
});

test('packed formats: rgb24 as is (no copy), bgr24 swapped, rgba without alpha, gray8 repeated', () => {
  const rgb = Uint8Array.from([1, 2, 3, 4, 5, 6]);
  assert.is(toRgb({ ...frame('rgb24', 2, 1, []), data: rgb }).data, rgb);
  assert.equal(rgbOf(frame('bgr24', 2, 1, [1, 2, 3, 4, 5, 6])), [3, 2, 1, 6, 5, 4]);
  assert.equal(rgbOf(frame('rgba', 2, 1, [1, 2, 3, 99, 4, 5, 6, 0])), [1, 2, 3, 4, 5, 6]);
  assert.equal(rgbOf(frame('gray8', 2, 1, [9, 200])), [9, 9, 9, 200, 200, 200]);
});

test('2×2 I420, grey: Y only, one U and one V at 128', () => {
  // Y = 16, 235, 126, 81 → c = 0, 254.9, 128.04, 75.66
  assert.equal(rgbOf(frame('i420', 2, 2, [16, 235, 126, 81, 128, 128])), [0, 0, 0, 255, 255, 255, 128, 128, 128, 76, 76, 76]);
});

test('2×2 I420, BT.601 red: Y 81, U 90, V 240 → 254, 0, 0', () => {
  // c = 75.66; R = 75.66 + 1.596·112 = 254.4; G = 75.66 + 0.392·38 − 0.813·112 = −0.5 → 0; B = 75.66 − 2.017·38 = −1.0 → 0
  assert.equal(rgbOf(frame('i420', 2, 2, [81, 81, 81, 81, 90, 240])), [254, 0, 0, 254, 0, 0, 254, 0, 0, 254, 0, 0]);
});

test('2×2 I420, BT.709 red (rpicam-vid at HD): Y 63, U 102, V 240 → 255, 1, 0; read as BT.601 it would be 233, 0, 2', () => {
  // Rec.709 limited: Y = 16 + 219·0.2126 = 62.6; U = 128 − 224·0.2126/1.8556 = 102.3; V = 240.
  // c = 54.7; R = 54.7 + 1.793·112 = 255.5; G = 54.7 + 0.213·26 − 0.533·112 = 0.5; B = 54.7 − 2.112·26 = −0.2
  const bytes = [63, 63, 63, 63, 102, 240];
  assert.equal(rgbOf({ ...frame('i420', 2, 2, bytes), yuvMatrix: 'bt709' }).slice(0, 3), [255, 1, 0]);
  assert.equal(rgbOf(frame('i420', 2, 2, bytes)).slice(0, 3), [233, 0, 2]);
  const bad = { ...frame('i420', 2, 2, bytes), yuvMatrix: 'bt2020' } as unknown as Frame;
  assert.throws(() => toRgb(bad), (e: unknown) => e instanceof HalError && e.code === 'BAD_FRAME');
});

// 3×3: Y all 126 (c = 128.04); U all 128; V per chroma sample (2×2 samples):
//   V(0,0) = 128 → grey 128,128,128
//   V(1,0) = 240 → R 128.04 + 178.75 → 255, G 128.04 − 91.06 = 36.98 → 37, B 128
//   V(0,1) = 16  → R 128.04 − 178.75 → 0,   G 128.04 + 91.06 = 219.1 → 219, B 128
//   V(1,1) = 128 → grey
// The odd column (x = 2) and row (y = 2) use the second chroma column/row on their own.
const GREY = [128, 128, 128];
const PINK = [255, 37, 128];
const TEAL = [0, 219, 128];
const THREE_BY_THREE = [...GREY, ...GREY, ...PINK, ...GREY, ...GREY, ...PINK, ...TEAL, ...TEAL, ...GREY];
const Y9 = Array<number>(9).fill(126);

test('3×3 I420: odd width and height take the last chroma column and row alone', () => {
  assert.equal(rgbOf(frame('i420', 3, 3, [...Y9, 128, 128, 128, 128, 128, 240, 16, 128])), THREE_BY_THREE);
});

test('3×3 NV12: the same picture with U,V interleaved', () => {
  assert.equal(rgbOf(frame('nv12', 3, 3, [...Y9, 128, 128, 128, 240, 128, 16, 128, 128])), THREE_BY_THREE);
});

test('luma: the Y plane as is for YUV and gray8; BT.601 weights for packed colour', () => {
  const i420 = frame('i420', 2, 2, [16, 235, 126, 81, 90, 240]);
  const luma = toLuma(i420).data;
  assert.equal(Array.from(luma), [16, 235, 126, 81]);
  assert.is(luma.buffer, i420.data.buffer, 'no copy');
  // (77 R + 150 G + 29 B + 128) >> 8
  assert.equal(Array.from(toLuma(frame('rgb24', 2, 1, [255, 0, 0, 0, 0, 255])).data), [77, 29]);
  assert.equal(Array.from(toLuma(frame('bgr24', 2, 1, [255, 0, 0, 0, 0, 255])).data), [29, 77]);
  assert.equal(Array.from(toLuma(frame('rgba', 1, 1, [0, 255, 0, 7])).data), [149]);
});

test('frames that do not add up are HalError BAD_FRAME, never a crash or a read past the end', () => {
  const bad = (f: Frame) => {
    for (const convert of [toRgb, toLuma]) {
      try {
        convert(f);
        assert.unreachable('should throw');
      } catch (err) {
        assert.instance(err, HalError);
        assert.is((err as HalError).code, 'BAD_FRAME');
      }
    }
  };
  bad(frame('i420', 3, 3, new Uint8Array(16)));
  bad(frame('nv12', 4, 4, new Uint8Array(23)));
  bad(frame('rgba', 2, 2, new Uint8Array(15)));
  bad(frame('gray8', 0, 4, new Uint8Array(16)));
  bad(frame('rgb24', 1.5, 4, new Uint8Array(100)));
  bad(frame('yuyv' as PixelFormat, 1, 1, new Uint8Array(3)));
});

test('property: RGB → I420 → RGB stays within 3 per channel where each 2×2 block has one colour', () => {
  // I420 keeps one colour per 2×2 block, so only block-uniform pictures can come back;
  // rounding Y, U and V to bytes costs up to ~2 levels after the 1.164 and 2.017 gains.
  const picture = fc
    .record({ width: fc.integer({ min: 1, max: 9 }), height: fc.integer({ min: 1, max: 9 }) })
    .chain(({ width, height }) =>
      fc
        .array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })), {
          minLength: ((width + 1) >> 1) * ((height + 1) >> 1),
          maxLength: ((width + 1) >> 1) * ((height + 1) >> 1),
        })
        .map((blocks) => {
          const data = new Uint8Array(width * height * 3);
          for (let y = 0; y < height; y++) {
            for (let x = 0; x < width; x++) data.set(blocks[(y >> 1) * ((width + 1) >> 1) + (x >> 1)]!, (y * width + x) * 3);
          }
          return { width, height, data };
        }),
    );
  fc.assert(
    fc.property(picture, (img) => {
      const back = toRgb(frame('i420', img.width, img.height, rgbToI420(img))).data;
      for (let i = 0; i < img.data.length; i++) {
        if (Math.abs(back[i]! - img.data[i]!) > 3) throw new Error(`byte ${i}: ${img.data[i]} came back as ${back[i]}`);
      }
    }),
  );
});

if (hasFfmpeg) {
  test("ffmpeg's yuv420p and nv12 (the image/video sources' i420 path) read back as the colours in the picture: BT.601 limited range", async () => {
    // 16×16 blocks of saturated colours, where BT.601 and BT.709 differ most: had ffmpeg
    // written BT.709, pure red would come back ~21 levels off in R (and green ~24 in G).
    // swscale filters chroma over more than the 2×2 it stands for, so colours bleed a few
    // pixels across block edges: only each block's inner 8×8 is compared.
    const colours = [
      [255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0],
      [224, 172, 140], [30, 30, 30], [255, 255, 255], [0, 128, 255],
    ];
    const [w, h] = [64, 32];
    const rgb = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgb.set(colours[(y >> 4) * 4 + (x >> 4)]!, (y * w + x) * 3);
    const inner = (v: number) => (v & 15) >= 4 && (v & 15) < 12;
    const dir = mkdtempSync(join(tmpdir(), 'limen-formats-'));
    try {
      const path = join(dir, 'blocks.png');
      await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path);
      for (const format of ['i420', 'nv12'] as const) {
        const cam = new ProcessCamera({ source: imageSource({ path, width: w, height: h, fps: 10, format }) });
        const frames = new Collector<Frame>();
        cam.onFrame(frames.push);
        try {
          await cam.start();
          await frames.until(1, `${format} frame`);
        } finally {
          await cam.close();
        }
        const got = toRgb(frames.values[0]!).data;
        let worst = 0;
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            if (!inner(x) || !inner(y)) continue;
            for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(got[(y * w + x) * 3 + c]! - rgb[(y * w + x) * 3 + c]!));
          }
        }
        assert.ok(worst <= 3, `${format}: worst channel error ${worst}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
} else {
  console.log('skipped: ffmpeg not installed (real-pipeline YUV check)');
}

test.run();
