// Face snapshots: sealed in the store, capped in size, evicted oldest first.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { faceSnapshotJpeg } from '../../../firmware/face/snapshot.js';
import { truncateWal, FaceSnapshots, Store } from '../../../firmware/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'limen-snapshots-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A JPEG of `n` bytes or so: noise does not compress. */
async function noiseJpeg(side: number): Promise<Buffer> {
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

test('a snapshot is stored sealed (no JPEG byte in the file or WAL) and opens only with its key', async () => {
  const path = join(dir, 'sealed.db');
  const store = Store.open({ path, terminalId: 't1' });
  const key = randomBytes(32);
  const snapshots = new FaceSnapshots(store, key);
  const jpeg = await noiseJpeg(40);
  const info = snapshots.add({ jpeg, eventSeq: 7 });
  assert.equal(snapshots.get(info.id), jpeg);
  assert.is(new FaceSnapshots(store, randomBytes(32)).get(info.id), null, 'another key opens nothing');
  truncateWal(store);
  const files = Buffer.concat([readFileSync(path), existsSync(`${path}-wal`) ? readFileSync(`${path}-wal`) : Buffer.alloc(0)]);
  for (let i = 0; i + 32 <= jpeg.length; i += 32) assert.is(files.indexOf(jpeg.subarray(i, i + 32)), -1, `JPEG bytes at ${i} in the file`);
  store.close();
});

test('caps: one snapshot over maxBytes or not a JPEG is refused; count and total bytes evict the oldest first', async () => {
  const clock = new FakeClock();
  const store = Store.open({ path: ':memory:', terminalId: 't1', clock });
  const small = Buffer.from([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]);
  const capped = new FaceSnapshots(store, randomBytes(32), { maxBytes: 100, maxCount: 3, maxTotalBytes: 10_000 });
  assert.is(codeOf(() => capped.add({ jpeg: Buffer.alloc(101, 0xff) })), 'INVALID_SNAPSHOT');
  assert.is(codeOf(() => capped.add({ jpeg: Buffer.from('GIF89a') })), 'INVALID_SNAPSHOT');
  assert.is(capped.list().length, 0);
  const ids = [];
  for (let i = 0; i < 5; i++) {
    ids.push(capped.add({ jpeg: small, eventSeq: i }).id);
    clock.advance(1000);
  }
  assert.equal(capped.list().map((s) => s.id), ids.slice(2), 'the three newest stay');

  const byBytes = new FaceSnapshots(store, randomBytes(32), { maxBytes: 100, maxCount: 100, maxTotalBytes: 200 });
  // Each sealed snapshot is 7 + 32 bytes: 200 bytes hold five; the three above count too.
  for (let i = 0; i < 4; i++) {
    ids.push(byBytes.add({ jpeg: small }).id);
    clock.advance(1000);
  }
  const kept = byBytes.list();
  assert.ok(kept.reduce((n, s) => n + s.bytes, 0) <= 200);
  assert.equal(kept.map((s) => s.id), ids.slice(ids.length - kept.length), 'the newest stay');
  store.close();
});

test('faceSnapshotJpeg crops the face with a margin, at most 160 px, under the byte cap', async () => {
  const width = 640;
  const height = 480;
  const frame = { width, height, format: 'rgb24' as const, timestamp: 0, seq: 1, data: randomBytes(width * height * 3) };
  const jpeg = (await faceSnapshotJpeg(frame, { x1: 200, y1: 100, x2: 400, y2: 340 }, 24 * 1024))!;
  assert.ok(jpeg && jpeg.byteLength <= 24 * 1024);
  const meta = await sharp(jpeg).metadata();
  assert.is(meta.format, 'jpeg');
  assert.ok(Math.max(meta.width!, meta.height!) <= 160);
  // 200×240 plus 30 % each side, clipped to the frame: 320×384 → 133×160.
  assert.equal([meta.width, meta.height], [133, 160]);
  assert.is(await faceSnapshotJpeg(frame, { x1: 700, y1: 500, x2: 800, y2: 600 }, 24 * 1024), null, 'outside the frame');
  assert.is(await faceSnapshotJpeg(frame, { x1: 200, y1: 100, x2: 400, y2: 340 }, 50), null, 'no quality fits 50 bytes');
});

test.run();
