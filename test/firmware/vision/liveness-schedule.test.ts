// The liveness schedule on a real face: real crops and the real scorer, with each call
// recorded so the test can check when the crops are cut and when scoring starts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ScoredBox } from '../../../firmware/vision/box.js';
import { decodeImage, type RgbImage } from '../../../firmware/vision/image.js';
import { livenessCrops, type LivenessCropScorer } from '../../../firmware/vision/liveness.js';
import { scheduleLiveness, type LivenessMode } from '../../../firmware/vision/liveness-schedule.js';
import { closeSharedEngine, demoPhoto, sharedEngine } from './fixtures.js';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (err) => unhandled.push(err));

interface Recorded {
  events: string[];
  /** Every crop cut started, to wait on. */
  cuts: Promise<unknown>[];
  cutCrops: () => Promise<RgbImage[]>;
  scorer: LivenessCropScorer;
}

let face: { img: RgbImage; box: ScoredBox } | undefined;

/** A real face and the real in-process scorer, each call appended to `events`. */
async function recorded(o: { failCut?: boolean } = {}): Promise<Recorded> {
  const engine = await sharedEngine();
  if (!face) {
    const img = await decodeImage(await demoPhoto(3));
    const [box] = await engine.detect(img);
    face = { img, box: box! };
  }
  const { img, box } = face;
  const events: string[] = [];
  const cuts: Promise<unknown>[] = [];
  const real = engine.livenessScorer;
  return {
    events,
    cuts,
    cutCrops: () => {
      events.push('cut');
      const cut = o.failCut ? Promise.reject(new Error('crop failed')) : livenessCrops(img, box, real.spec);
      cuts.push(cut.catch(() => undefined));
      return cut;
    },
    scorer: {
      spec: real.spec,
      scoreCrops: (crops) => {
        events.push('score');
        return real.scoreCrops(crops);
      },
    },
  };
}

async function run(mode: LivenessMode, o: { offThread: boolean; bigEnough?: boolean; qualityOk: boolean; failCut?: boolean }) {
  const r = await recorded(o);
  const schedule = await scheduleLiveness({ mode, bigEnough: o.bigEnough ?? true, cutCrops: r.cutCrops, scorer: r.scorer, offThread: o.offThread });
  r.events.push('landmarks');
  schedule.afterQuality(o.qualityOk);
  // The embedding: by its end the crops are cut and whatever was chained on them has run,
  // so an off-thread score has been requested; an in-process one has not.
  await Promise.all(r.cuts);
  await new Promise((resolve) => setImmediate(resolve));
  r.events.push('embed');
  const score = await schedule.result();
  r.events.push('result');
  return { events: r.events, score, ms: schedule.ms };
}

test("'always' with a worker: the request is sent before the landmarks", async () => {
  const r = await run('always', { offThread: true, qualityOk: false });
  assert.equal(r.events, ['cut', 'score', 'landmarks', 'embed', 'result']);
  assert.ok(r.score!.live >= 0 && r.score!.live <= 1 && r.score!.perScale.length > 0);
  assert.ok(r.ms > 0);
});

test("'always' in-process: scored after the embedding, even when the gate fails", async () => {
  const r = await run('always', { offThread: false, qualityOk: false });
  assert.equal(r.events, ['cut', 'landmarks', 'embed', 'score', 'result']);
  assert.ok(r.score);
});

test("'if-ok' with a worker: crops cut early, scoring starts after the gate, beside the embedding", async () => {
  const r = await run('if-ok', { offThread: true, qualityOk: true });
  assert.equal(r.events, ['cut', 'landmarks', 'score', 'embed', 'result']);
  assert.ok(r.score);
});

test("'if-ok' for a face under the gate's size: no early crops; cut only once the gate passes", async () => {
  const passed = await run('if-ok', { offThread: false, bigEnough: false, qualityOk: true });
  assert.equal(passed.events, ['landmarks', 'cut', 'embed', 'score', 'result']);
  const stopped = await run('if-ok', { offThread: true, bigEnough: false, qualityOk: false });
  assert.equal(stopped.events, ['landmarks', 'embed', 'result']);
  assert.is(stopped.score, undefined);
  assert.is(stopped.ms, 0);
});

test("'if-ok' when the gate fails: early crops are dropped, nothing is scored, a failed cut goes unnoticed", async () => {
  const r = await run('if-ok', { offThread: true, qualityOk: false, failCut: true });
  assert.equal(r.events, ['cut', 'landmarks', 'embed', 'result']);
  assert.is(r.score, undefined);
  await new Promise((resolve) => setImmediate(resolve)); // let Node report unhandled rejections
  assert.equal(unhandled, []);
});

test("'never': no crops, no score", async () => {
  const r = await run('never', { offThread: true, qualityOk: true });
  assert.equal(r.events, ['landmarks', 'embed', 'result']);
  assert.is(r.score, undefined);
});

test('a failed cut reaches the caller when liveness is wanted', async () => {
  const rec = await recorded({ failCut: true });
  const schedule = await scheduleLiveness({ mode: 'if-ok', bigEnough: true, cutCrops: rec.cutCrops, scorer: rec.scorer, offThread: false });
  schedule.afterQuality(true);
  try {
    await schedule.result();
    assert.unreachable('the crop failure must surface');
  } catch (err) {
    assert.is((err as Error).message, 'crop failed');
  }
});

test('ms runs from the start of the schedule to the score, on the given clock', async () => {
  const rec = await recorded();
  let t = 1000;
  const schedule = await scheduleLiveness({ mode: 'if-ok', bigEnough: true, cutCrops: rec.cutCrops, scorer: rec.scorer, offThread: false, now: () => t });
  t = 1040;
  schedule.afterQuality(true);
  assert.is(schedule.ms, 0);
  await schedule.result();
  assert.is(schedule.ms, 40);
});

test.after(closeSharedEngine);
test.run();
