// Site calibration of liveness through the fleet SDK on a real broker (aedes): the backend
// asks, the installer walks up to the sim camera, the terminal answers with the scores,
// the threshold and the floor, stores the threshold and decides with it from then on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readSiteLivenessThreshold } from '../../../firmware/face/liveness-site.js';
import { silentLogger } from '../../../firmware/log.js';
import { RejectedError } from '../../../sdk/src/index.js';
import { emptyFrame, faceFrame, facesOf } from '../face/frames.js';
import { openFleetFaceTerminal } from './helpers/face-terminal.js';

test('liveness.calibrate: approaches recorded at the camera, threshold and floor answered, stored and used', async () => {
  const { clock, terminal, face, gate, push, close } = await openFleetFaceTerminal();
  try {
    assert.is(face.status.livenessThreshold, 0.5, 'the level threshold before calibration');
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
    await close();
  }
});

test.run();
