// One FaceEngine serves several callers at once (camera pipeline, enrolment from the fleet
// or the CLI, the IR path, the bench): concurrent calls must give exactly what the same
// calls give one after another. Real models on the face-api demo photos.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ScoredBox } from '../../../firmware/vision/box.js';
import type { FaceAnalysis } from '../../../firmware/vision/engine.js';
import { decodeImage, type RgbImage } from '../../../firmware/vision/image.js';
import { livenessCrops } from '../../../firmware/vision/liveness.js';
import { cropResize } from '../../../firmware/vision/resample.js';
import { closeSharedEngine, demoPhoto, sharedEngine } from './fixtures.js';

const TOL = 1e-5;

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    assert.ok(d <= TOL, `${what}[${i}]: ${actual[i]} concurrently, ${expected[i]} sequentially`);
  }
}

function assertSameAnalysis(got: FaceAnalysis, want: FaceAnalysis, what: string): void {
  assert.equal(got.box, want.box, `${what}: box`);
  assertClose(got.landmarks, want.landmarks, `${what}: landmarks`);
  const m = got.quality.metrics;
  const w = want.quality.metrics;
  assertClose([m.yaw, m.pitch, m.rollDeg], [w.yaw, w.pitch, w.rollDeg], `${what}: pose (yaw, pitch, roll)`);
  assert.is(got.quality.ok, want.quality.ok, `${what}: quality.ok`);
  assert.equal(got.aligned.data, want.aligned.data, `${what}: aligned face`);
  assertClose(got.embedding!, want.embedding!, `${what}: embedding`);
  assertClose(got.liveness!.perScale, want.liveness!.perScale, `${what}: liveness`);
}

interface Photo {
  name: string;
  img: RgbImage;
  boxes: ScoredBox[];
}

let photos: Photo[] | undefined;

/** sample5 (the colleague's report) and sample3, with their detections, found one by one. */
async function samples(): Promise<Photo[]> {
  if (!photos) {
    const engine = await sharedEngine();
    photos = [];
    for (const n of [5, 3] as const) {
      const img = await decodeImage(await demoPhoto(n));
      photos.push({ name: `sample${n}`, img, boxes: await engine.detect(img) });
    }
  }
  return photos;
}

test('analyseFace: concurrent calls give the sequential results (landmarks, pose, embedding, liveness)', async () => {
  const engine = await sharedEngine();
  const jobs = (await samples()).flatMap((p) => p.boxes.map((box, i) => ({ what: `${p.name} face ${i}`, img: p.img, box })));
  assert.ok(jobs.length >= 6, `faces found: ${jobs.length}`);
  const options = { embed: 'always', liveness: 'always' } as const;
  const sequential: FaceAnalysis[] = [];
  for (const j of jobs) sequential.push(await engine.analyseFace(j.img, j.box, options));
  const concurrent = await Promise.all(jobs.map((j) => engine.analyseFace(j.img, j.box, options)));
  jobs.forEach((j, i) => assertSameAnalysis(concurrent[i]!, sequential[i]!, j.what));
  // Mirror-averaged embeddings run two inferences per face.
  const mirrorSeq: FaceAnalysis[] = [];
  for (const j of jobs) mirrorSeq.push(await engine.analyseFace(j.img, j.box, { ...options, mirrorBelow: 1e9 }));
  const mirrorPar = await Promise.all(jobs.map((j) => engine.analyseFace(j.img, j.box, { ...options, mirrorBelow: 1e9 })));
  jobs.forEach((j, i) => assertClose(mirrorPar[i]!.embedding!, mirrorSeq[i]!.embedding!, `${j.what}: mirror-averaged embedding`));
});

/**
 * 640 px wide copies: their detector input is resized on the JS thread, so concurrent calls
 * all fill their input before any inference starts (the camera pipeline's case).
 */
async function cameraFrames(): Promise<RgbImage[]> {
  return (await samples()).map((p) => cropResize(p.img, { x: 0, y: 0, width: p.img.width, height: p.img.height }, 640, Math.round((640 * p.img.height) / p.img.width)));
}

test('detect: concurrent calls on camera-size frames give the sequential results', async () => {
  const engine = await sharedEngine();
  const frames = await cameraFrames();
  const seq: ScoredBox[][] = [];
  for (const f of frames) seq.push(await engine.detect(f));
  assert.ok(seq.every((boxes) => boxes.length >= 3), `faces per frame: ${seq.map((b) => b.length).join(', ')}`);
  const par = await Promise.all(frames.map((f) => engine.detect(f)));
  assert.equal(par, seq);
});

test('analyseImage: concurrent calls on different frames give the sequential results', async () => {
  const engine = await sharedEngine();
  const imgs = await cameraFrames();
  const opts = { embed: 'always', liveness: 'always' } as const;
  const seq: FaceAnalysis[][] = [];
  for (const img of imgs) seq.push(await engine.analyseImage(img, opts));
  const par = await Promise.all(imgs.map((img) => engine.analyseImage(img, opts)));
  seq.forEach((faces, p) => {
    assert.is(par[p]!.length, faces.length);
    faces.forEach((f, i) => assertSameAnalysis(par[p]![i]!, f, `frame ${p} face ${i}`));
  });
});

async function faceJobs(): Promise<Array<{ img: RgbImage; box: ScoredBox }>> {
  return (await samples()).flatMap((p) => p.boxes.map((box) => ({ img: p.img, box })));
}

test('landmarks: concurrent calls give the sequential results', async () => {
  const engine = await sharedEngine();
  const jobs = await faceJobs();
  const seq: Float32Array[] = [];
  for (const j of jobs) seq.push(await engine.landmarker.landmarks(j.img, j.box));
  const par = await Promise.all(jobs.map((j) => engine.landmarker.landmarks(j.img, j.box)));
  jobs.forEach((_, i) => assertClose(par[i]!, seq[i]!, `landmarks ${i}`));
});

test('embed: concurrent calls give the sequential results', async () => {
  const engine = await sharedEngine();
  const aligned: RgbImage[] = [];
  for (const j of await faceJobs()) aligned.push((await engine.analyseFace(j.img, j.box, { embed: 'never', liveness: 'never' })).aligned);
  const seq: Float32Array[] = [];
  for (const a of aligned) seq.push(await engine.embedder.embed(a));
  const par = await Promise.all(aligned.map((a) => engine.embedder.embed(a)));
  aligned.forEach((_, i) => assertClose(par[i]!, seq[i]!, `embedding ${i}`));
  const mirrorSeq: Float32Array[] = [];
  for (const a of aligned) mirrorSeq.push(await engine.embedder.embedMirrorAveraged(a));
  const mirrorPar = await Promise.all(aligned.map((a) => engine.embedder.embedMirrorAveraged(a)));
  aligned.forEach((_, i) => assertClose(mirrorPar[i]!, mirrorSeq[i]!, `mirror-averaged embedding ${i}`));
});

test('in-process liveness: concurrent calls give the sequential results', async () => {
  // The scorer used when the liveness worker is off or cannot start.
  const engine = await sharedEngine();
  const jobs = await faceJobs();
  const crops = await Promise.all(jobs.map((j) => livenessCrops(j.img, j.box, engine.livenessScorer.spec)));
  const seq: number[][] = [];
  for (const c of crops) seq.push((await engine.livenessScorer.scoreCrops(c)).perScale);
  const par = await Promise.all(crops.map((c) => engine.livenessScorer.scoreCrops(c)));
  crops.forEach((_, i) => assertClose(par[i]!.perScale, seq[i]!, `liveness ${i}`));
});

test.after(closeSharedEngine);
test.run();
