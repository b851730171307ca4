// The active fallback in the pipeline: a track whose fused liveness is uncertain is asked
// to blink or turn; a still picture fails (spoof), a face whose landmarks move passes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Frame } from '../../../hal/camera.js';
import type { ChallengeKind } from '../../../firmware/vision/challenge.js';
import type { FaceEngine } from '../../../firmware/vision/engine.js';
import { decodeImage, type RgbImage } from '../../../firmware/vision/image.js';
import { FacePipeline, type FrameResult } from '../../../firmware/vision/pipeline.js';
import { faceCredential } from '../../../firmware/face/decision.js';
import { ExactMatcher, closeSharedEngine, cropAround, demoPhoto, placeOnCanvas, sharedEngine } from './fixtures.js';

const W = 640, H = 480;

async function face(): Promise<RgbImage> {
  const engine = await sharedEngine();
  const photo = await demoPhoto(3);
  const boxes = (await engine.detect(await decodeImage(photo))).sort((a, b) => a.x1 - b.x1);
  return decodeImage(await cropAround(photo, boxes[0]!, { scale: 2.4, width: 300 }));
}

const frame = (img: RgbImage, seq: number, timestamp: number): Frame => ({ width: img.width, height: img.height, format: 'rgb24', data: img.data, seq, timestamp });

/**
 * The real engine, except that during a challenge (landmarks only: embed 'never') the
 * landmarks of call i are `move(real, i)`: a synthetic movement over a real face.
 */
function movingLandmarks(engine: FaceEngine, move: (real: Float32Array, i: number) => Float32Array): FaceEngine {
  let i = 0;
  const wrapped = Object.create(engine) as FaceEngine;
  wrapped.analyseFace = async (img, box, o) => {
    const a = await engine.analyseFace(img, box, o);
    return o?.embed === 'never' ? { ...a, landmarks: move(a.landmarks, i++) } : a;
  };
  return wrapped;
}

function closedEyes(open: Float32Array): Float32Array {
  const closed = Float32Array.from(open);
  for (const [a, b] of [[37, 41], [38, 40], [43, 47], [44, 46]] as const) {
    const y = (open[2 * a + 1]! + open[2 * b + 1]!) / 2;
    closed[2 * a + 1] = y;
    closed[2 * b + 1] = y;
  }
  return closed;
}

/** The nose tip (landmark 30) moved sideways by `share` of the eye distance: a head turn as the pose sees it. */
function turned(l: Float32Array, share: number): Float32Array {
  const out = Float32Array.from(l);
  const eyeDist = Math.abs((l[2 * 45]! + l[2 * 42]!) / 2 - (l[2 * 36]! + l[2 * 39]!) / 2);
  out[60] = l[60]! + share * eyeDist;
  return out;
}

/** Plays the face still (same picture every frame) at 10 fps until a decision, at most `frames` frames. */
async function play(pipeline: FacePipeline, img: RgbImage, frames: number): Promise<FrameResult[]> {
  const canvas = placeOnCanvas(img, W, H, 170, 70);
  const out: FrameResult[] = [];
  for (let f = 0; f < frames; f++) {
    const r = await pipeline.processFrame(frame(canvas, f + 1, 1000 + 100 * f));
    out.push(r);
    if (r.decisions.length > 0) break;
  }
  return out;
}

// Band [0, 1]: every fused score is "uncertain", so every approach is challenged.
const everyApproach = (kind: ChallengeKind) => ({ band: [0, 1] as const, timeoutMs: 2000, kinds: [kind] });

test('a still picture is asked for each challenge, fails it at the timeout and is decided a spoof', async () => {
  const engine = await sharedEngine();
  const img = await face();
  for (const kind of ['blink', 'turn_left', 'turn_right'] as const) {
    const matcher = new ExactMatcher();
    const pipeline = new FacePipeline({ engine, matcher, challenge: everyApproach(kind) });
    const results = await play(pipeline, img, 60);
    const ready = results.findIndex((r) => r.tracks[0]?.challenge !== undefined);
    assert.ok(ready >= 2, `${kind}: challenged once ready`);
    assert.equal(results[ready]!.tracks[0]!.challenge, { kind, state: 'pending' });
    const last = results.at(-1)!;
    assert.is(last.decisions.length, 1, `${kind}: one decision`);
    const d = last.decisions[0]!;
    assert.equal([d.spoofSuspected, d.personId, d.challenge], [true, null, { kind, result: 'failed' }], kind);
    // Decided on the first frame past the timeout, not before.
    assert.ok(last.timestamp - results[ready + 1]!.timestamp > 2000, kind);
    assert.is(faceCredential(d)!.spoofSuspected, true);
  }
});

test('a blink over the real face passes the blink challenge: decided live, the match stands', async () => {
  const base = await sharedEngine();
  const img = await face();
  const [enrolled] = await base.analyseImage(placeOnCanvas(img, W, H, 170, 70), { embed: 'always' });
  const matcher = new ExactMatcher();
  matcher.add('alice', enrolled!.embedding!);
  // Open, open, closed, open: the eyes close and open again.
  const engine = movingLandmarks(base, (real, i) => (i === 2 ? closedEyes(real) : real));
  const pipeline = new FacePipeline({ engine, matcher, challenge: everyApproach('blink') });
  const results = await play(pipeline, img, 60);
  const d = results.at(-1)!.decisions[0]!;
  assert.equal([d.personId, d.spoofSuspected, d.challenge], ['alice', false, { kind: 'blink', result: 'passed' }]);
  assert.equal(results.at(-1)!.tracks[0]!.challenge, { kind: 'blink', state: 'passed' });
});

test('a head turn to the asked side passes; a turn to the other side does not', async () => {
  const base = await sharedEngine();
  const img = await face();
  const turning = (share: number) => movingLandmarks(base, (real, i) => (i < 2 ? real : turned(real, share)));
  const left = await play(new FacePipeline({ engine: turning(0.4), matcher: new ExactMatcher(), challenge: everyApproach('turn_left') }), img, 60);
  assert.equal(left.at(-1)!.decisions[0]!.challenge, { kind: 'turn_left', result: 'passed' });
  assert.is(left.at(-1)!.decisions[0]!.spoofSuspected, false);
  const wrong = await play(new FacePipeline({ engine: turning(-0.4), matcher: new ExactMatcher(), challenge: everyApproach('turn_left') }), img, 60);
  assert.equal(wrong.at(-1)!.decisions[0]!.challenge, { kind: 'turn_left', result: 'failed' });
  assert.is(wrong.at(-1)!.decisions[0]!.spoofSuspected, true);
});

test('outside the band no challenge is asked: the threshold decides as before', async () => {
  const engine = await sharedEngine();
  const img = await face();
  // The same face, with the band placed where its fused score is not.
  const probe = await play(new FacePipeline({ engine, matcher: new ExactMatcher() }), img, 30);
  const live = probe.at(-1)!.decisions[0]!.liveness!;
  const band = live > 0.5 ? ([0, Math.max(0.01, live / 2)] as const) : ([Math.min(0.99, (live + 1) / 2), 1] as const);
  const results = await play(new FacePipeline({ engine, matcher: new ExactMatcher(), challenge: { band, timeoutMs: 2000 } }), img, 30);
  const d = results.at(-1)!.decisions[0]!;
  assert.is(d.challenge, undefined);
  assert.ok(results.every((r) => r.tracks[0]?.challenge === undefined));
  assert.is(d.liveness, live);
});

test('challenge options are checked at the pipeline edge', async () => {
  const engine = await sharedEngine();
  const matcher = new ExactMatcher();
  assert.throws(() => new FacePipeline({ engine, matcher, challenge: { band: [0.6, 0.4], timeoutMs: 1000 } }), TypeError);
  assert.throws(() => new FacePipeline({ engine, matcher, challenge: { timeoutMs: 0 } }), TypeError);
  assert.throws(() => new FacePipeline({ engine, matcher, challenge: { timeoutMs: 1000, kinds: [] } }), TypeError);
});

test.after(closeSharedEngine);
test.run();
