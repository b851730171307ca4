// The face intake feeds the board's IR camera frames to the pipeline beside the colour ones.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadBoard, openBoard } from '../../../board/index.js';
import type { Frame } from '../../../hal/camera.js';
import { rgbToGray } from '../../../hal/camera/formats.js';
import { Listeners } from '../../../hal/events.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { FaceConfigSchema } from '../../../firmware/config/schema.js';
import { FrameIntake } from '../../../firmware/face/frame-intake.js';
import { emptyStats } from '../../../firmware/face/reports.js';
import { silentLogger } from '../../../firmware/log.js';
import type { FaceDecision } from '../../../firmware/vision/decisions.js';
import { decodeImage } from '../../../firmware/vision/image.js';
import { FacePipeline } from '../../../firmware/vision/pipeline.js';
import { ExactMatcher, closeSharedEngine, cropAround, demoPhoto, placeOnCanvas, sharedEngine } from '../vision/fixtures.js';

test('config: the IR prior is off unless face.livenessIr.enabled', () => {
  assert.equal(FaceConfigSchema.parse({}).livenessIr, { enabled: false });
  assert.equal(FaceConfigSchema.parse({ livenessIr: { enabled: true } }).livenessIr, { enabled: true });
  assert.not.ok(FaceConfigSchema.safeParse({ livenessIr: { enabled: 'yes' } }).success);
});

test('the sim board IR camera feeds the pipeline: a flat IR face vetoes, a live-like one does not', async () => {
  const engine = await sharedEngine();
  const photo = await demoPhoto(3);
  const faces = (await engine.analyseImage(await decodeImage(photo), { embed: 'always' })).sort((a, b) => a.box.x1 - b.box.x1);
  const matcher = new ExactMatcher();
  matcher.add('alice', faces[0]!.embedding!);
  const face = await decodeImage(await cropAround(photo, faces[0]!.box, { scale: 2.4, width: 260 }));

  for (const [kind, expected] of [['print', null], ['live', 'alice']] as const) {
    const clock = new FakeClock(10_000);
    const board = openBoard(loadBoard('sim'), { clock });
    const { camera, irCamera } = board.sim;
    const pipeline = new FacePipeline({ engine, matcher, livenessThreshold: 0, ir: {} });
    const decisions: FaceDecision[] = [];
    let analysed = 0;
    let onAnalysed = () => {};
    const stats = emptyStats();
    const intake = new FrameIntake({
      pipeline,
      stats,
      rawFrames: new Listeners<Frame>(),
      active: () => true,
      analysed: async (_f, result) => {
        decisions.push(...result.decisions);
        analysed++;
        onAnalysed();
      },
      log: silentLogger(),
    });
    intake.attach(camera!, irCamera!);
    await camera!.start();
    await irCamera!.start();
    for (let f = 0; f < 4; f++) {
      const colour = placeOnCanvas(face, 640, 480, 200 - 5 * f, 90);
      const ir = kind === 'live' ? rgbToGray(colour).data : new Uint8Array(640 * 480).fill(200);
      irCamera!.pushFrame({ width: 640, height: 480, format: 'gray8', data: ir });
      const done = new Promise<void>((resolve) => (onAnalysed = resolve));
      camera!.pushFrame({ width: 640, height: 480, format: 'rgb24', data: colour.data });
      await done;
      clock.advance(66);
    }
    await intake.detach();
    await board.close();
    assert.is(analysed, 4);
    assert.is(decisions.length, 1, kind);
    assert.is(decisions[0]!.personId, expected, kind);
    assert.is(decisions[0]!.irVeto, kind === 'print' ? 'ir_flat' : undefined);
  }
});

test.after(closeSharedEngine);
test.run();
