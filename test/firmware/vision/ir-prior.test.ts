// The near-infrared prior: the rule on synthetic IR regions, the veto in the decision
// rules, and the pipeline on real faces with IR frames made from them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Frame } from '../../../hal/camera.js';
import { rgbToGray } from '../../../hal/camera/formats.js';
import { DEFAULT_MATCH_THRESHOLD, decideTrack, type FaceDecision } from '../../../firmware/vision/decisions.js';
import { decodeImage, type GrayImage, type RgbImage } from '../../../firmware/vision/image.js';
import { irFacePrior, irVetoes } from '../../../firmware/vision/ir-prior.js';
import { FacePipeline } from '../../../firmware/vision/pipeline.js';
import { VisionError } from '../../../firmware/vision/errors.js';
import { ExactMatcher, closeSharedEngine, cropAround, demoPhoto, placeOnCanvas, sharedEngine } from './fixtures.js';

const W = 640, H = 480;

/** A gray image whose pixel at (x, y) is f(x, y). */
function gray(width: number, height: number, f: (x: number, y: number) => number): GrayImage {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return { width, height, data };
}
const textured = (x: number, y: number) => 90 + ((x * 7 + y * 13) % 80); // 90..169: skin-like level, eyes and brows
const box = { x1: 200, y1: 100, x2: 400, y2: 340 };

test('a textured face region at skin level passes; a dark (screen), flat (print) or blown-out one fails, with its reason', () => {
  const size = { width: W, height: H };
  const live = irFacePrior(gray(W, H, textured), box, size)!;
  assert.equal([live.ok, live.reason], [true, undefined]);
  assert.ok(live.median >= 90 && live.median <= 170 && live.spread >= 24, JSON.stringify(live));
  const screen = irFacePrior(gray(W, H, (x, y) => textured(x, y) >> 3), box, size)!;
  assert.equal([screen.ok, screen.reason], [false, 'ir_dark']);
  const print = irFacePrior(gray(W, H, (x, y) => 200 + ((x + y) % 5)), box, size)!;
  assert.equal([print.ok, print.reason], [false, 'ir_flat']);
  const blown = irFacePrior(gray(W, H, (x, y) => 250 + ((x + y) % 6)), box, size)!;
  assert.equal([blown.ok, blown.reason], [false, 'ir_saturated']);
});

test('the box is scaled to an IR frame of another size, and only its core is judged', () => {
  // IR at half resolution: textured inside the (scaled) core, dark around it.
  const ir = gray(W / 2, H / 2, (x, y) => (x >= 115 && x < 185 && y >= 70 && y < 150 ? textured(x, y) : 5));
  assert.ok(irFacePrior(ir, box, { width: W, height: H })!.ok);
  // Not scaled, the same box would land mostly on the dark surround.
  assert.not.ok(irFacePrior(ir, box, { width: W / 2, height: H / 2 })!.ok);
  assert.is(irFacePrior(ir, { x1: 700, y1: 500, x2: 800, y2: 600 }, { width: W, height: H }), null, 'outside the IR frame: nothing to judge');
});

test('decision rules: the IR tally only vetoes a live verdict, never admits', async () => {
  const matcher = new ExactMatcher();
  const e = new Float32Array(512);
  e[0] = 1;
  matcher.add('alice', e);
  const rules = { matcher, threshold: DEFAULT_MATCH_THRESHOLD, livenessLevel: 'medium' as const, minLivenessFrames: 3 };
  const base = { trackId: 1, embedding: e, livenessFrames: 3, goodFrames: 3 };
  const vetoed = await decideTrack(rules, { ...base, liveness: 0.9, ir: { judged: 3, failed: 2, reason: 'ir_dark' } }, 10);
  assert.equal([vetoed.personId, vetoed.spoofSuspected, vetoed.claimedPersonId, vetoed.irVeto], [null, true, 'alice', 'ir_dark']);
  const minority = await decideTrack(rules, { ...base, liveness: 0.9, ir: { judged: 3, failed: 1, reason: 'ir_flat' } }, 10);
  assert.equal([minority.personId, minority.irVeto], ['alice', undefined]);
  const good = await decideTrack(rules, { ...base, liveness: 0.01, ir: { judged: 3, failed: 0 } }, 10);
  assert.equal([good.personId, good.spoofSuspected], [null, true], 'a good IR face does not rescue a spoof');
  const off = await decideTrack({ ...rules, livenessLevel: 'off' }, { ...base, ir: { judged: 3, failed: 3, reason: 'ir_flat' } }, 10);
  assert.equal([off.personId, off.irVeto], ['alice', undefined], 'liveness off: IR is not asked either');
  assert.not.ok(irVetoes(undefined));
  assert.not.ok(irVetoes({ judged: 0, failed: 0 }));
});

// --- the pipeline on real faces -------------------------------------------------------

async function alice(): Promise<{ face: RgbImage; matcher: ExactMatcher }> {
  const engine = await sharedEngine();
  const photo = await demoPhoto(3);
  const faces = (await engine.analyseImage(await decodeImage(photo), { embed: 'always' })).sort((a, b) => a.box.x1 - b.box.x1);
  const matcher = new ExactMatcher();
  matcher.add('alice', faces[0]!.embedding!);
  const face = await decodeImage(await cropAround(photo, faces[0]!.box, { scale: 2.4, width: 260 }));
  return { face, matcher };
}

const rgbFrame = (img: RgbImage, seq: number, timestamp: number): Frame => ({ width: img.width, height: img.height, format: 'rgb24', data: img.data, seq, timestamp });
const grayFrame = (img: GrayImage, seq: number, timestamp: number): Frame => ({ width: img.width, height: img.height, format: 'gray8', data: img.data, seq, timestamp });

/** One approach of five frames; `ir` makes the IR frame for each colour frame (or none). */
async function approach(pipeline: FacePipeline, face: RgbImage, ir: ((colour: RgbImage) => GrayImage | undefined) | undefined, skewMs = 10): Promise<FaceDecision[]> {
  const decisions: FaceDecision[] = [];
  pipeline.onDecision((d) => decisions.push(d));
  for (let f = 0; f < 5; f++) {
    const colour = placeOnCanvas(face, W, H, 200 - 5 * f, 90);
    const t = 1000 + 66 * f;
    const irImg = ir?.(colour);
    await pipeline.processFrame(rgbFrame(colour, f + 1, t), irImg && grayFrame(irImg, f + 1, t + skewMs));
  }
  return decisions;
}

// The colour frame's own luma stands in for a live face under IR light: a face's texture
// at a skin-like level. A screen is that face at a tenth of the level; a print is flat.
const liveIr = (c: RgbImage) => rgbToGray(c);
const screenIr = (c: RgbImage) => {
  const g = rgbToGray(c);
  return { ...g, data: g.data.map((v) => v / 10) };
};
const printIr = (c: RgbImage) => ({ width: c.width, height: c.height, data: new Uint8Array(c.width * c.height).map((_, i) => 190 + (i % 3)) });

test('pipeline: a live-like IR face keeps the match; a dark or flat IR face is vetoed; no IR frame or a late one changes nothing', async () => {
  const engine = await sharedEngine();
  const { face, matcher } = await alice();
  // Threshold 0: the colour liveness always says live here, so only the IR prior can veto.
  const make = (ir = true) => new FacePipeline({ engine, matcher, livenessThreshold: 0, ...(ir && { ir: {} }) });
  const [live] = await approach(make(), face, liveIr);
  assert.equal([live!.personId, live!.spoofSuspected, live!.irVeto], ['alice', false, undefined]);
  const [screen] = await approach(make(), face, screenIr);
  assert.equal([screen!.personId, screen!.spoofSuspected, screen!.claimedPersonId, screen!.irVeto], [null, true, 'alice', 'ir_dark']);
  const [print] = await approach(make(), face, printIr);
  assert.equal([print!.personId, print!.spoofSuspected, print!.irVeto], [null, true, 'ir_flat']);
  const [none] = await approach(make(), face, undefined);
  const [without] = await approach(make(false), face, undefined);
  assert.equal([none!.personId, none!.spoofSuspected, none!.liveness], [without!.personId, without!.spoofSuspected, without!.liveness]);
  assert.is(none!.personId, 'alice');
  const [late] = await approach(make(), face, printIr, 500);
  assert.equal([late!.personId, late!.irVeto], ['alice', undefined], 'an IR frame 500 ms off is not this moment');
  const [ignored] = await approach(make(false), face, printIr);
  assert.equal([ignored!.personId, ignored!.irVeto], ['alice', undefined], 'prior off: IR frames ignored');
});

test('pipeline: a malformed IR frame is refused with VisionError BAD_FRAME', async () => {
  const pipeline = new FacePipeline({ engine: await sharedEngine(), matcher: new ExactMatcher(), ir: {} });
  const colour = placeOnCanvas({ width: 1, height: 1, data: new Uint8Array(3) }, W, H, 0, 0);
  const bad: Frame = { width: W, height: H, format: 'gray8', data: new Uint8Array(10), seq: 1, timestamp: 0 };
  try {
    await pipeline.processFrame(rgbFrame(colour, 1, 0), bad);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, VisionError);
    assert.is((err as VisionError).code, 'BAD_FRAME');
  }
});

test.after(closeSharedEngine);
test.run();
