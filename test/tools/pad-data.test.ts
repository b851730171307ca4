// The liveness bench reads both pad dataset layouts into recordings and approaches.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PadDataError, approaches, numberedFrames, readPadDataset } from '../../tools/bench/pad-data.js';

const dir = mkdtempSync(join(tmpdir(), 'pad-data-'));
const touch = (p: string) => {
  mkdirSync(join(dir, p, '..'), { recursive: true });
  writeFileSync(join(dir, p), '');
};

test('numbered frames of one video are a sequence; differently named stills are not', () => {
  assert.ok(numberedFrames(['real_mp4_2fps_001.png', 'real_mp4_2fps_002.png']));
  assert.ok(numberedFrames(['2.png', '10.png']));
  assert.not.ok(numberedFrames(['obama.jpg', 'biden.jpg']));
  assert.not.ok(numberedFrames(['1.png']));
});

test('sources layout: one recording per source and class, frames in natural order, approaches of consecutive frames', () => {
  for (const n of [10, 2, 1, 3, 4, 5, 6, 7, 8, 9, 11]) touch(`srcs/a/live/${n}.png`);
  touch('srcs/a/replay/f_1.jpg');
  touch('srcs/b/print/x.jpg');
  touch('srcs/b/print/notes.txt');
  const recs = readPadDataset(join(dir, 'srcs'));
  assert.equal(recs.map((r) => [r.id, r.frames.length, r.sequence]), [['a/live', 11, true], ['a/replay', 1, false], ['b/print', 1, false]]);
  assert.equal(recs[0]!.frames.slice(0, 3).map((f) => f.split('/').pop()), ['1.png', '2.png', '3.png']);
  // 11 frames in windows of 5: two approaches; the 1-frame rest is too short to be one.
  assert.equal(approaches(recs[0]!, 5).map((w) => w.length), [5, 5]);
});

test('flat layout is one source named after the folder; an empty folder is a coded error', () => {
  touch('flat/live/a.jpg');
  assert.equal(readPadDataset(join(dir, 'flat')).map((r) => r.id), ['flat/live']);
  mkdirSync(join(dir, 'empty'));
  assert.throws(() => readPadDataset(join(dir, 'empty')), (e: unknown) => e instanceof PadDataError && e.code === 'BAD_DATASET');
  assert.throws(() => readPadDataset(join(dir, 'missing')), (e: unknown) => e instanceof PadDataError);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
