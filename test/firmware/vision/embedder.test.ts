// Flip test-time augmentation: the embedder's mirror-averaged embedding, and the engine
// using it for faces below the quality gate's minimum size only.
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cosine, meanEmbedding, mirrorImage } from '../../../firmware/vision/embedder.js';
import { decodeImage, type RgbImage } from '../../../firmware/vision/image.js';
import { DEFAULT_QUALITY } from '../../../firmware/vision/quality.js';
import { closeSharedEngine, demoPhoto, sharedEngine } from './fixtures.js';

test('mirrorImage flips each row left to right and keeps the pixels whole', () => {
  // 3×2 image, pixel (x, y) = [x, y, 10 + x + 3y].
  const px = (x: number, y: number) => [x, y, 10 + x + 3 * y];
  const data = new Uint8Array(18);
  for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) data.set(px(x, y), (y * 3 + x) * 3);
  const img: RgbImage = { width: 3, height: 2, data };
  const m = mirrorImage(img);
  assert.is(m.width, 3);
  assert.is(m.height, 2);
  for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) assert.equal([...m.data.subarray((y * 3 + x) * 3, (y * 3 + x) * 3 + 3)], px(2 - x, y));
  assert.equal(mirrorImage(m).data, img.data);
  assert.is.not(m.data, img.data);
});

/** Sample 3 as a camera far away would see it: shrunk so its faces are below the gate's size. */
async function smallFacesPhoto(): Promise<RgbImage> {
  const bytes = await demoPhoto(3);
  const meta = await sharp(bytes).rotate().toBuffer({ resolveWithObject: true });
  const w = Math.round(meta.info.width / 4);
  return decodeImage(await sharp(meta.data).resize(w).jpeg({ quality: 70 }).toBuffer());
}

test('the mirror-averaged embedding is the unit mean of both views and the same for a mirrored face', async () => {
  const engine = await sharedEngine();
  const img = await decodeImage(await demoPhoto(3));
  const [f] = await engine.analyseImage(img, { embed: 'never', liveness: 'never' });
  assert.ok(f, 'a face');
  const both = await engine.embedder.embedMirrorAveraged(f!.aligned);
  assert.ok(Math.abs(cosine(both, both) - 1) < 1e-5);
  const expected = meanEmbedding([await engine.embedder.embed(f!.aligned), await engine.embedder.embed(mirrorImage(f!.aligned))]);
  assert.ok(cosine(both, expected) > 1 - 1e-6);
  const ofMirror = await engine.embedder.embedMirrorAveraged(mirrorImage(f!.aligned));
  assert.ok(cosine(both, ofMirror) > 1 - 1e-5, 'mirroring the input does not change it');
});

test('with mirrorBelow, smaller faces are embedded mirror-averaged; larger faces, or by default, once', async () => {
  const engine = await sharedEngine();
  const small = await smallFacesPhoto();
  const mirrorBelow = DEFAULT_QUALITY.minFaceSize;
  const faces = await engine.analyseImage(small, { embed: 'always', liveness: 'never', minScore: 0.5, mirrorBelow });
  assert.ok(faces.length >= 2, `faces found in the shrunk photo: ${faces.length}`);
  for (const f of faces) {
    assert.ok(f.quality.metrics.faceSize < DEFAULT_QUALITY.minFaceSize, `face ${f.quality.metrics.faceSize} px`);
    assert.is(f.quality.reason, 'too_small');
    assert.ok(f.mirrorAveraged);
    assert.ok(cosine(f.embedding!, await engine.embedder.embedMirrorAveraged(f.aligned)) > 1 - 1e-5);
    const once = await engine.analyseFace(small, f.box, { embed: 'always', liveness: 'never' });
    assert.not.ok(once.mirrorAveraged);
    assert.ok(cosine(once.embedding!, await engine.embedder.embed(f.aligned)) > 1 - 1e-5);
    const none = await engine.analyseFace(small, f.box, { embed: 'never', liveness: 'never' });
    assert.not.ok(none.mirrorAveraged);
    assert.is(none.embedding, undefined);
  }
  const large = await engine.analyseImage(await decodeImage(await demoPhoto(3)), { embed: 'always', liveness: 'never', mirrorBelow });
  for (const f of large) {
    assert.ok(f.quality.metrics.faceSize >= DEFAULT_QUALITY.minFaceSize);
    assert.not.ok(f.mirrorAveraged);
    assert.ok(cosine(f.embedding!, await engine.embedder.embed(f.aligned)) > 1 - 1e-5);
  }
});

test.after(closeSharedEngine);
test.run();
