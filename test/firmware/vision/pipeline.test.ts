// The frame pipeline and its decisions on frames made from real package photos.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Frame } from '../../../hal/camera.js';
import { decodeImage, type RgbImage } from '../../../firmware/vision/image.js';
import { FacePipeline, type FrameResult } from '../../../firmware/vision/pipeline.js';
import { fuseLiveness, poseWeight } from '../../../firmware/vision/liveness-fusion.js';
import { DEFAULT_MATCH_THRESHOLD, decideTrack, unusableFace, type FaceDecision } from '../../../firmware/vision/decisions.js';
import { cropResize } from '../../../firmware/vision/resample.js';
import { ExactMatcher, closeSharedEngine, cropAround, demoPhoto, placeOnCanvas, sharedEngine } from './fixtures.js';
import { faceCredential } from '../../../firmware/face/decision.js';

const W = 640, H = 480;

/** A head-and-shoulders crop of the leftmost person in a demo photo, `width` px wide. */
async function person(n: 3 | 5, index: number, width: number, o: { jpegQuality?: number; brightness?: number } = {}): Promise<RgbImage> {
  const engine = await sharedEngine();
  const photo = await demoPhoto(n);
  const boxes = (await engine.detect(await decodeImage(photo))).sort((a, b) => a.x1 - b.x1);
  return decodeImage(await cropAround(photo, boxes[index]!, { scale: 2.4, width, ...o }));
}

function rgbFrame(img: RgbImage, seq: number, timestamp: number): Frame {
  return { width: img.width, height: img.height, format: 'rgb24', data: img.data, seq, timestamp };
}

function toI420(img: RgbImage): Uint8Array {
  const { width: w, height: h, data: d } = img;
  const out = new Uint8Array(w * h + 2 * (w / 2) * (h / 2));
  for (let i = 0; i < w * h; i++) out[i] = Math.round(16 + (65.481 * d[3 * i]! + 128.553 * d[3 * i + 1]! + 24.966 * d[3 * i + 2]!) / 255);
  for (let y = 0; y < h / 2; y++) for (let x = 0; x < w / 2; x++) {
    const o = (2 * y * w + 2 * x) * 3;
    const [r, g, b] = [d[o]!, d[o + 1]!, d[o + 2]!];
    out[w * h + y * (w / 2) + x] = Math.round(128 + (-37.797 * r - 74.203 * g + 112 * b) / 255);
    out[w * h + (w / 2) * (h / 2) + y * (w / 2) + x] = Math.round(128 + (112 * r - 93.786 * g - 18.214 * b) / 255);
  }
  return out;
}

test('one approach is one track; the decision is ready after 3 good frames', async () => {
  const pipeline = new FacePipeline({ engine: await sharedEngine(), matcher: new ExactMatcher() });
  const face = await person(3, 0, 300);
  const results: FrameResult[] = [];
  for (let f = 0; f < 5; f++) {
    results.push(await pipeline.processFrame(rgbFrame(placeOnCanvas(face, W, H, 150 + 6 * f, 60 + 2 * f), f + 1, 1000 + 66 * f)));
  }
  const ids = new Set(results.map((r) => r.tracks[0]!.trackId));
  assert.is(ids.size, 1);
  assert.equal(results.map((r) => r.tracks.length), [1, 1, 1, 1, 1]);
  assert.equal(results.map((r) => r.tracks[0]!.goodFrames), [1, 2, 3, 3, 3]);
  assert.equal(results.map((r) => r.tracks[0]!.decisionReady), [false, false, true, true, true]);
  assert.equal(results.map((r) => r.tracks[0]!.analysed), [true, true, true, false, false]);
  const t = results[2]!.tracks[0]!;
  assert.ok(t.quality.ok && t.embedding!.length === 512 && t.liveness! >= 0 && t.liveness! <= 1);
  assert.ok(results[0]!.timings.detect > 0 && results[0]!.timings.embed > 0);
  // The person leaves: after maxAgeMs without a face the track ends.
  const empty = placeOnCanvas({ width: 1, height: 1, data: new Uint8Array(3) }, W, H, -5, -5);
  const gone = await pipeline.processFrame(rgbFrame(empty, 6, 1000 + 66 * 4 + 1500));
  assert.equal(gone.ended.map((e) => e.trackId), [...ids]);
});

test('i420 and gray8 frames go through the same pipeline', async () => {
  const pipeline = new FacePipeline({ engine: await sharedEngine(), matcher: new ExactMatcher(), framesForDecision: 1 });
  const canvas = placeOnCanvas(await person(3, 0, 300), W, H, 160, 70);
  const yuv = await pipeline.processFrame({ width: W, height: H, format: 'i420', data: toI420(canvas), seq: 1, timestamp: 0 });
  assert.is(yuv.tracks.length, 1);
  assert.ok(yuv.tracks[0]!.quality.ok, JSON.stringify(yuv.tracks[0]!.quality));
  const gray = new Uint8Array(W * H);
  for (let i = 0; i < W * H; i++) gray[i] = canvas.data[3 * i + 1]!;
  const g = await pipeline.processFrame({ width: W, height: H, format: 'gray8', data: gray, seq: 2, timestamp: 66 });
  assert.is(g.tracks.length, 1);
  assert.is(g.tracks[0]!.trackId, yuv.tracks[0]!.trackId);
  try {
    await pipeline.processFrame({ width: W, height: H, format: 'rgb24', data: new Uint8Array(10), seq: 3, timestamp: 99 });
    assert.unreachable('short frame must be rejected');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'BAD_FRAME');
  }
});

test('rejections carry a reason for the display', async () => {
  const pipeline = new FacePipeline({ engine: await sharedEngine(), matcher: new ExactMatcher() });
  const dark = placeOnCanvas(await person(3, 0, 300, { brightness: 0.2 }), W, H, 150, 60, 15);
  const r = await pipeline.processFrame(rgbFrame(dark, 1, 0));
  assert.is(r.tracks[0]!.quality.reason, 'too_dark');
  assert.is(r.tracks[0]!.quality.message, 'too dark');
  assert.is(r.tracks[0]!.embedding, undefined);
  const small = placeOnCanvas(cropResize(await person(3, 0, 300), { x: 0, y: 0, width: 300, height: 300 * 1.39 }, 110, 153), W, H, 300, 200);
  const s = await pipeline.processFrame(rgbFrame(small, 1, 5000));
  const t = s.tracks.find((x) => x.box.x1 > 250)!;
  assert.is(t.quality.reason, 'too_small');
  assert.is(t.quality.message, 'come closer');
});

test('decisions: an enrolled face is recognised once per approach; others are strangers', async () => {
  const engine = await sharedEngine();
  const matcher = new ExactMatcher();
  // Enrol from the original photo; recognise a shifted, smaller, re-compressed copy.
  const photo = await demoPhoto(3);
  const img = await decodeImage(photo);
  const faces = (await engine.analyseImage(img, { embed: 'always' })).sort((a, b) => a.box.x1 - b.box.x1);
  matcher.add('alice', faces[0]!.embedding!);
  matcher.add('carol', faces[2]!.embedding!);
  const pipeline = new FacePipeline({ engine, matcher, livenessLevel: 'off' });
  const emitted: FaceDecision[] = [];
  pipeline.onDecision((d) => emitted.push(d));
  const alice = await person(3, 0, 260, { jpegQuality: 50 });
  let t = 0;
  for (let f = 0; f < 6; f++) await pipeline.processFrame(rgbFrame(placeOnCanvas(alice, W, H, 200 - 5 * f, 90), f + 1, (t += 66)));
  assert.is(emitted.length, 1);
  assert.is(emitted[0]!.personId, 'alice');
  assert.ok(emitted[0]!.score > 0.7, `score ${emitted[0]!.score}`);
  assert.is(emitted[0]!.spoofSuspected, false);
  assert.is(emitted[0]!.frames, 3);
  // A new approach (after a gap) of someone not enrolled.
  t += 3000;
  const stranger = await person(5, 1, 260);
  for (let f = 0; f < 4; f++) await pipeline.processFrame(rgbFrame(placeOnCanvas(stranger, W, H, 180, 80), 10 + f, (t += 66)));
  assert.is(emitted.length, 2); // alice's track ended silently (already decided); one stranger decision
  const last = emitted[emitted.length - 1]!;
  assert.is(last.personId, null);
  assert.is(last.spoofSuspected, false);
  assert.ok(last.score < 0.5);
});

test('decision rules: a match, a suspected spoof naming the claimed person, a stranger, an unusable face', async () => {
  const matcher = new ExactMatcher();
  const e = new Float32Array(512);
  e[0] = 1;
  matcher.add('alice', e);
  const other = new Float32Array(512);
  other[1] = 1;
  const rules = { matcher, threshold: DEFAULT_MATCH_THRESHOLD, livenessLevel: 'medium' as const, minLivenessFrames: 3 };
  const evidence = (trackId: number, liveness: number | undefined, embedding = e) => ({ trackId, embedding, ...(liveness !== undefined && { liveness, livenessFrames: 3 }), goodFrames: 3 });
  const spoof = await decideTrack(rules, evidence(1, 0.1), 10);
  assert.equal([spoof.personId, spoof.spoofSuspected, spoof.claimedPersonId], [null, true, 'alice']);
  const live = await decideTrack(rules, evidence(2, 0.9), 10);
  assert.equal([live.personId, live.spoofSuspected, live.liveness, live.frames], ['alice', false, 0.9, 3]);
  const stranger = await decideTrack(rules, evidence(3, 0.9, other), 10);
  assert.equal([stranger.personId, stranger.spoofSuspected, stranger.claimedPersonId], [null, false, undefined]);
  const off = await decideTrack({ ...rules, livenessLevel: 'off' }, evidence(4, undefined), 10);
  assert.equal([off.personId, off.spoofSuspected, off.liveness], ['alice', false, null]);
  // Fewer usable frames than the rules need: no liveness verdict either way.
  const short = await decideTrack(rules, { ...evidence(6, 0.99), livenessFrames: 2 }, 10);
  assert.equal([short.personId, short.spoofSuspected, short.livenessUncertain, short.claimedPersonId], [null, false, true, undefined]);
  // A site-calibrated threshold replaces the level's.
  const calibrated = await decideTrack({ ...rules, livenessThreshold: 0.2 }, evidence(7, 0.3), 10);
  assert.equal([calibrated.personId, calibrated.spoofSuspected], ['alice', false]);
  const unusable = unusableFace(5, 'backlit', 10);
  assert.equal([unusable.trackId, unusable.personId, unusable.qualityReason, unusable.frames], [5, null, 'backlit', 0]);
});

test('liveness waits for its minimum usable frames, even past the decision timeout', async () => {
  const engine = await sharedEngine();
  const pipeline = new FacePipeline({ engine, matcher: new ExactMatcher(), framesForDecision: 1, decisionTimeoutMs: 100, minLivenessFrames: 3 });
  const face = await person(3, 0, 300);
  const results: FrameResult[] = [];
  for (let f = 0; f < 4; f++) results.push(await pipeline.processFrame(rgbFrame(placeOnCanvas(face, W, H, 150 + 4 * f, 60), f + 1, 1000 + 200 * f)));
  assert.equal(results.map((r) => [r.tracks[0]!.livenessFrames, r.tracks[0]!.decisionReady, r.decisions.length]), [[1, false, 0], [2, false, 0], [3, true, 1], [3, true, 0]]);
  assert.is(results[2]!.decisions[0]!.livenessUncertain, undefined);
  assert.throws(() => new FacePipeline({ engine, matcher: new ExactMatcher(), minLivenessFrames: 0 }), TypeError);
  assert.throws(() => new FacePipeline({ engine, matcher: new ExactMatcher(), livenessThreshold: 1.5 }), TypeError);
});

test('the fused liveness weights each real frame by how frontal it is: a turned face counts less than a frontal one', async () => {
  const engine = await sharedEngine();
  // The most turned and the most frontal face of sample5, each as a head-and-shoulders frame.
  const shot = async (n: 5, pick: (yaws: number[]) => number) => {
    const photo = await demoPhoto(n);
    const img = await decodeImage(photo);
    const boxes = await engine.detect(img);
    const yaws: number[] = [];
    for (const b of boxes) yaws.push((await engine.analyseFace(img, b, { liveness: 'never', embed: 'never' })).quality.metrics.yaw);
    return decodeImage(await cropAround(photo, boxes[pick(yaws)]!, { scale: 2.4, width: 360 }));
  };
  const turned = await shot(5, (y) => y.indexOf(y.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a))));
  const frontal = await shot(5, (y) => y.indexOf(y.reduce((a, b) => (Math.abs(b) < Math.abs(a) ? b : a))));
  const frames = [turned, frontal, turned].map((f, i) => placeOnCanvas(f, W, H, 140, 40 + 2 * i));
  // What each frame gives on its own: live score and yaw of the face the pipeline sees.
  const seen = [];
  for (const img of frames) {
    const [box] = await engine.detect(img);
    const a = await engine.analyseFace(img, box!, { liveness: 'always', embed: 'never' });
    assert.ok(a.quality.ok, `gate: ${a.quality.reason}`);
    seen.push({ live: a.liveness!.live, yaw: a.quality.metrics.yaw });
  }
  assert.ok(poseWeight(seen[0]!.yaw) < 0.6 * poseWeight(seen[1]!.yaw), `yaws ${seen.map((x) => x.yaw)}`);
  const weighted = fuseLiveness(seen.map((x) => x.live), seen.map((x) => poseWeight(x.yaw)))!.live;
  const plain = fuseLiveness(seen.map((x) => x.live))!.live;
  assert.ok(Math.abs(weighted - plain) > 1e-4, `weighting must matter here: ${weighted} vs ${plain}`);
  const pipeline = new FacePipeline({ engine, matcher: new ExactMatcher() });
  let last: FrameResult | undefined;
  for (let i = 0; i < frames.length; i++) last = await pipeline.processFrame(rgbFrame(frames[i]!, i + 1, 1000 + 66 * i));
  const t = last!.tracks[0]!;
  assert.is(t.livenessFrames, 3);
  assert.ok(Math.abs(t.liveness! - weighted) < 1e-6, `track ${t.liveness} vs weighted ${weighted} (plain ${plain})`);
  assert.is(last!.decisions[0]!.liveness, t.liveness);
});

test('pipeline options are checked once, at its edge', async () => {
  const engine = await sharedEngine();
  const matcher = new ExactMatcher();
  assert.throws(() => new FacePipeline({ engine } as never), TypeError);
  assert.throws(() => new FacePipeline({ engine, matcher, livenessLevel: 'bogus' as never }), TypeError);
  assert.throws(() => new FacePipeline({ engine, matcher, framesForDecision: 0 }), TypeError);
  assert.throws(() => new FacePipeline({ engine, matcher, maxFaces: 1.5 }), TypeError);
  assert.throws(() => new FacePipeline({ engine, matcher, threshold: Number.NaN }), TypeError);
  const off = new FacePipeline({ engine, matcher, livenessLevel: 'off' });
  const r = await off.processFrame(rgbFrame(placeOnCanvas(await person(3, 0, 300), W, H, 150, 60), 1, 0));
  assert.is(r.tracks[0]!.liveness, undefined); // level 'off' does not run the liveness model
});

test('a track that ends before its decision is ready is reported on its good frames as departed (no access attempt), or as unusable', async () => {
  const engine = await sharedEngine();
  const matcher = new ExactMatcher();
  const faces = (await engine.analyseImage(await decodeImage(await demoPhoto(3)), { embed: 'always' })).sort((a, b) => a.box.x1 - b.box.x1);
  matcher.add('alice', faces[0]!.embedding!);
  const pipeline = new FacePipeline({ engine, matcher, livenessLevel: 'off' });
  const alice = await person(3, 0, 260);
  const empty = placeOnCanvas({ width: 1, height: 1, data: new Uint8Array(3) }, W, H, -5, -5);
  // Two good frames, then the person is gone before the third (and before the 1.5 s timeout).
  const seen = [await pipeline.processFrame(rgbFrame(placeOnCanvas(alice, W, H, 200, 90), 1, 66)), await pipeline.processFrame(rgbFrame(placeOnCanvas(alice, W, H, 195, 90), 2, 132))];
  assert.equal(seen.map((r) => [r.tracks[0]!.goodFrames, r.tracks[0]!.decisionReady, r.decisions.length]), [[1, false, 0], [2, false, 0]]);
  const gone = await pipeline.processFrame(rgbFrame(empty, 3, 132 + 1500));
  assert.equal(gone.ended.map((e) => e.trackId), [seen[0]!.tracks[0]!.trackId]);
  assert.equal(gone.decisions.map((d) => [d.trackId, d.personId, d.frames, d.qualityReason, d.departed]), [[seen[0]!.tracks[0]!.trackId, 'alice', 2, undefined, true]]);
  assert.is(faceCredential(gone.decisions[0]!), null, 'a face that has walked away opens no door');
  // A face that never passed the gate ends with why.
  const dark = placeOnCanvas(await person(3, 0, 300, { brightness: 0.2 }), W, H, 150, 60, 15);
  const d1 = await pipeline.processFrame(rgbFrame(dark, 4, 5000));
  assert.is(d1.tracks[0]!.quality.reason, 'too_dark');
  const darkGone = await pipeline.processFrame(rgbFrame(empty, 5, 5000 + 1500));
  assert.equal(darkGone.decisions.map((d) => [d.trackId, d.personId, d.frames, d.qualityReason]), [[d1.tracks[0]!.trackId, null, 0, 'too_dark']]);
});

test.after(closeSharedEngine);
test.run();
