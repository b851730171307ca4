// Site calibration of liveness through the fleet SDK on a real broker (aedes): the backend
// asks, the installer walks up to the sim camera, the terminal answers with the scores,
// the threshold and the floor, stores the threshold and decides with it from then on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultConfig } from '../../../firmware/config/index.js';
import type { FaceFrameReport } from '../../../firmware/face/index.js';
import { readSiteLivenessThreshold } from '../../../firmware/face/liveness-site.js';
import { silentLogger } from '../../../firmware/log.js';
import { Terminal } from '../../../firmware/terminal.js';
import type { FrameInput } from '../../../hal/sim/camera.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { Fleet, RejectedError } from '../../../sdk/src/index.js';
import { startAedes } from '../../sdk/helpers/brokers.js';
import { guard } from '../../sdk/helpers/wait.js';
import { emptyFrame, faceFrame, facesOf } from '../face/frames.js';
import { closeSharedEngine, sharedEngine } from '../vision/fixtures.js';

test('liveness.calibrate: approaches recorded at the camera, threshold and floor answered, stored and used', async () => {
  const broker = await startAedes();
  const fleet = await Fleet.connect({ url: broker.url, site: 'hq', requestTimeoutMs: 30_000 });
  // A fake clock paces the tracks and the recording's timeout; it starts at the real time so request deadlines hold.
  const clock = new FakeClock(Date.now());
  const config = defaultConfig('gate-1', { store: { path: ':memory:' }, face: { enabled: true }, fleet: { url: broker.url, site: 'hq', healthIntervalMs: 60_000 } });
  const online = new Promise<void>((resolve) => fleet.onPresence((p) => p.terminal === 'gate-1' && p.online && resolve()));
  const terminal = await Terminal.open({ config, clock, logger: silentLogger(), faceEngine: await sharedEngine() });
  try {
    const face = terminal.face!;
    assert.is((await face.whenReady()).state, 'running');
    assert.is(face.status.livenessThreshold, 0.5, 'the level threshold before calibration');
    await guard(online, 'gate-1 online');
    const camera = terminal.board.sim.camera!;
    const push = (frame: FrameInput) =>
      new Promise<FaceFrameReport>((resolve) => {
        const off = face.onFrame((r) => {
          off();
          resolve(r);
        });
        assert.ok(camera.pushFrame(frame), 'camera running');
      });
    const faces = await facesOf(3);
    /** One approach: a face until it is decided, then nobody until its track ends. */
    const approach = async (n: number) => {
      const who = faces[n % 3]!;
      for (let i = 0; i < 100; i++) {
        const r = await push(await faceFrame(3, who, { faceWidth: 140 + 2 * i, at: [0.45, 0.45], jpegQuality: 60 }));
        clock.advance(100);
        if (r.result.decisions.length > 0) break;
      }
      clock.advance(2000);
      await push(emptyFrame());
    };

    const gate = fleet.terminal('gate-1');
    let settled = false;
    const calibration = gate.liveness.calibrate({ approaches: 5, timeoutMs: 600_000 }).finally(() => (settled = true));
    // Approaches until the terminal answers (the request may arrive after the first of them).
    for (let n = 0; !settled && n < 30; n++) await approach(n);
    const result = await calibration;
    assert.is(result.scores.length, 5);
    assert.is(result.approaches, 5);
    assert.equal([result.level, result.floor], ['medium', 0.05]);
    assert.is(result.threshold, Math.min(0.5, Math.max(0.05, Math.min(...result.scores))));
    assert.is(face.status.livenessThreshold, result.threshold, 'in force at once');
    assert.is(readSiteLivenessThreshold(terminal.store.meta, 'medium', silentLogger())?.threshold, result.threshold, 'stored for restarts');

    // Nobody comes: too few approaches, refused with the counts; nothing changes.
    let done = false;
    const short = gate.liveness.calibrate({ approaches: 5, timeoutMs: 1000 }).then(
      () => assert.unreachable('must be refused'),
      (e: unknown) => e,
    ).finally(() => (done = true));
    for (let i = 0; !done && i < 600; i++) {
      clock.advance(500);
      await push(emptyFrame());
    }
    const refused = await short;
    assert.instance(refused, RejectedError);
    assert.is((refused as RejectedError).code, 'REJECTED');
    assert.equal((refused as RejectedError).details, { recorded: 0, needed: 5 });
    assert.is(face.status.livenessThreshold, result.threshold);
  } finally {
    await terminal.close();
    await fleet.close();
    await broker.close();
    await closeSharedEngine();
  }
});

test.run();
