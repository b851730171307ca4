// A stranger at the camera: the face service keeps a sealed face snapshot, named by the event and linked to it.
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { SimCamera } from '../../../hal/sim/camera.js';
import { AccessService } from '../../../firmware/access/index.js';
import { defaultConfig } from '../../../firmware/config/index.js';
import { FaceService, type FaceCredential, type FaceFrameReport } from '../../../firmware/face/index.js';
import { silentLogger } from '../../../firmware/log.js';
import { sealedTemplateCodec, FaceSnapshots, Store } from '../../../firmware/store/index.js';
import { emptyFrame, faceFrame, facesOf } from './frames.js';
import { closeSharedEngine, sharedEngine } from '../vision/fixtures.js';

test('a stranger event gets a sealed face snapshot (a small JPEG of the face), named in its data and linked to it', async () => {
  const clock = new FakeClock();
  const key = randomBytes(32);
  const store = Store.open({ path: ':memory:', terminalId: 'gate-1', clock, templateCodec: sealedTemplateCodec(key) });
  const snapshots = new FaceSnapshots(store, key);
  const access = new AccessService({ store, timeZone: 'UTC', clock });
  const camera = new SimCamera({ clock });
  const face = new FaceService({
    config: defaultConfig('gate-1', { face: { enabled: true } }).face,
    store,
    camera: { camera, description: 'sim camera', owned: true },
    sink: { present: async (c: FaceCredential) => access.present(c), prompt: () => {} },
    engine: await sharedEngine(),
    snapshots,
    clock,
    logger: silentLogger(),
  });
  try {
    assert.is((await face.whenReady()).state, 'running');
    const push = (frame: Parameters<SimCamera['pushFrame']>[0]) =>
      new Promise<FaceFrameReport>((resolve) => {
        const off = face.onFrame((r) => {
          off();
          resolve(r);
        });
        assert.ok(camera.pushFrame(frame));
      });
    const box = (await facesOf(3))[0]!;
    for (let i = 0; i < 4; i++) {
      await push(await faceFrame(3, box, { faceWidth: 140 + 4 * i, at: [0.42 + 0.01 * i, 0.46], jpegQuality: 40 }));
      clock.advance(66);
    }
    clock.advance(1_100);
    await push(emptyFrame());
    const [stranger] = store.events.query({ type: 'face.stranger' });
    assert.ok(stranger, 'nobody is enrolled: a stranger');
    const [snap] = snapshots.list();
    assert.is(snap?.eventSeq, stranger!.seq);
    assert.is((stranger!.data as { snapshotId?: string }).snapshotId, snap!.id, 'the event names its snapshot');
    const jpeg = snapshots.get(snap!.id)!;
    const meta = await sharp(jpeg).metadata();
    assert.is(meta.format, 'jpeg');
    assert.ok(Math.max(meta.width!, meta.height!) <= 160 && jpeg.byteLength <= snapshots.limits.maxBytes);
    const stored = store.db.prepare<[string], Buffer>('SELECT image FROM face_snapshots WHERE id = ?').pluck().get(snap!.id)!;
    assert.is(stored.indexOf(jpeg.subarray(0, 32)), -1, 'stored sealed, not as JPEG');
  } finally {
    await face.close();
    store.close();
  }
});

test.after(closeSharedEngine);
test.run();
