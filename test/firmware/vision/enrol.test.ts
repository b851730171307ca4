// Enrolment from photos, then recognition of altered copies, on real package photos.
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cosine } from '../../../firmware/vision/embedder.js';
import { enrolFromImages } from '../../../firmware/vision/enrol.js';
import { decodeImage } from '../../../firmware/vision/image.js';
import { DEFAULT_MATCH_THRESHOLD } from '../../../firmware/vision/decisions.js';
import { ExactMatcher, closeSharedEngine, cropAround, demoPhoto, sharedEngine } from './fixtures.js';

async function boxesOf(n: 1 | 3 | 5) {
  const engine = await sharedEngine();
  return (await engine.detect(await decodeImage(await demoPhoto(n)))).sort((a, b) => a.x1 - b.x1);
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

test('refuses without consent, before looking at the photos', async () => {
  const engine = await sharedEngine();
  assert.is(await codeOf(enrolFromImages([Buffer.from('x')], { consent: false, engine })), 'CONSENT_REQUIRED');
  const err = await enrolFromImages([], { consent: true, engine }).then(() => undefined, (e: unknown) => e);
  assert.instance(err, TypeError);
});

test('enrol one face; a shifted, scaled, re-compressed copy matches, the other faces do not', async () => {
  const engine = await sharedEngine();
  const photo = await demoPhoto(3);
  const boxes = await boxesOf(3);
  const portrait = await cropAround(photo, boxes[0]!, { scale: 2.5 });
  const r = await enrolFromImages([portrait], { consent: true, engine });
  assert.is(r.template.length, 512);
  assert.ok(Math.abs(cosine(r.template, r.template) - 1) < 1e-5);
  assert.is(r.images.length, 1);
  assert.ok(r.images[0]!.used && r.images[0]!.chosen!.quality.ok);
  assert.is(r.photo, undefined); // no photo kept unless asked
  const matcher = new ExactMatcher();
  matcher.add('alice', r.template);

  const copy = await cropAround(photo, boxes[0]!, { scale: 3.2, shift: [-0.2, 0.15], width: 300, jpegQuality: 40 });
  const [probe] = await engine.analyseImage(await decodeImage(copy), { embed: 'always' });
  const hit = matcher.search(probe!.embedding!, 1)[0]!;
  assert.is(hit.personId, 'alice');
  assert.ok(hit.score >= DEFAULT_MATCH_THRESHOLD, `copy scored ${hit.score}`);

  for (const n of [1, 5] as const) {
    for (const b of await boxesOf(n)) {
      if (n === 1 && b === (await boxesOf(1))[2]) continue; // same person as sample3's middle face, not alice
      const other = await cropAround(await demoPhoto(n), b, { scale: 2.5 });
      const [g] = await engine.analyseImage(await decodeImage(other), { embed: 'always' });
      const s = matcher.search(g!.embedding!, 1)[0]!.score;
      assert.ok(s < DEFAULT_MATCH_THRESHOLD, `stranger scored ${s}`);
    }
  }
});

test('several photos: template is the normalised mean; chooses the best face in group photos', async () => {
  const engine = await sharedEngine();
  // The same woman appears rightmost in sample1 and in the middle of sample3.
  const a = await cropAround(await demoPhoto(1), (await boxesOf(1))[2]!, { scale: 2.5 });
  const group = await demoPhoto(3);
  const r = await enrolFromImages([a, group], { consent: true, engine, quality: { maxRollDeg: 50 }, keepPhoto: true });
  assert.ok(r.images.every((i) => i.used), JSON.stringify(r.images.map((i) => i.chosen?.quality.reason)));
  assert.is(r.images[1]!.faces, 3);
  assert.ok(r.warnings.some((w) => w.code === 'MULTIPLE_FACES' && w.image === 1));
  // In the group photo the chosen face is the most confident, then the largest: here the middle one.
  const boxes3 = await boxesOf(3);
  const chosen = r.images[1]!.chosen!.box;
  const best = [...boxes3].sort((x, y) => Math.round(y.score * 100) - Math.round(x.score * 100) || (y.x2 - y.x1) * (y.y2 - y.y1) - (x.x2 - x.x1) * (x.y2 - x.y1))[0]!;
  assert.is(chosen.x1, best.x1);
  assert.is(chosen.x1, boxes3[1]!.x1);
  assert.not.ok(r.warnings.some((w) => w.code === 'INCONSISTENT_FACES'), JSON.stringify(r.warnings));
  assert.ok(r.photo && r.photo[0] === 0xff && r.photo[1] === 0xd8, 'kept photo is a JPEG');
});

test('duplicate check warns about another person, not about the same one', async () => {
  const engine = await sharedEngine();
  const portrait = await cropAround(await demoPhoto(5), (await boxesOf(5))[2]!, { scale: 2.5 });
  const first = await enrolFromImages([portrait], { consent: true, engine });
  const matcher = new ExactMatcher();
  matcher.add('bob', first.template);
  const again = await enrolFromImages([portrait], { consent: true, engine, matcher, personId: 'carol' });
  const dup = again.warnings.find((w) => w.code === 'DUPLICATE_FACE');
  assert.ok(dup && dup.personId === 'bob' && dup.score! > 0.99);
  const self = await enrolFromImages([portrait], { consent: true, engine, matcher, personId: 'bob' });
  assert.not.ok(self.warnings.some((w) => w.code === 'DUPLICATE_FACE'));
});

test('bad photos: warnings when others are usable, errors when none is', async () => {
  const engine = await sharedEngine();
  const blank = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 90, b: 90 } } }).jpeg().toBuffer();
  const garbage = Buffer.from('definitely not a jpeg');
  assert.is(await codeOf(enrolFromImages([blank], { consent: true, engine })), 'NO_FACE');
  assert.is(await codeOf(enrolFromImages([garbage], { consent: true, engine })), 'BAD_IMAGE');
  const tiny = await cropAround(await demoPhoto(5), (await boxesOf(5))[2]!, { scale: 2.5, width: 90 });
  assert.is(await codeOf(enrolFromImages([tiny], { consent: true, engine })), 'NO_USABLE_FACE');
  const good = await cropAround(await demoPhoto(5), (await boxesOf(5))[2]!, { scale: 2.5 });
  const r = await enrolFromImages([garbage, good, blank, tiny], { consent: true, engine });
  assert.equal(r.images.map((i) => i.used), [false, true, false, false]);
  assert.equal(r.warnings.map((w) => [w.code, w.image]), [['BAD_IMAGE', 0], ['NO_FACE', 2], ['LOW_QUALITY', 3]]);
});

test.after(closeSharedEngine);
test.run();
