// Landmarks on small faces: a photo shrunk 4× (faces of about 35–60 px) and re-compressed
// gives the same landmarks as the full-size photo, scaled down, within a few percent of
// the eye distance. Boxes and landmarks share one coordinate convention (pixel i spans
// [i, i + 1)), so scaling a point is multiplying it.
import sharp from 'sharp';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { landmarks68To5 } from '../../../firmware/vision/align.js';
import { iou } from '../../../firmware/vision/box.js';
import { decodeImage } from '../../../firmware/vision/image.js';
import { landmarkCrop } from '../../../firmware/vision/landmarks.js';
import { closeSharedEngine, demoPhoto, sharedEngine } from './fixtures.js';

test('landmarkCrop scales the box about its centre', () => {
  assert.equal(landmarkCrop({ x1: 10, y1: 20, x2: 30, y2: 60 }, 1), { x: 10, y: 20, width: 20, height: 40 });
  assert.equal(landmarkCrop({ x1: 10, y1: 20, x2: 30, y2: 60 }, 1.5), { x: 5, y: 10, width: 30, height: 60 });
});

test('landmarks of a 4×-shrunk JPEG photo stay near the full-size landmarks scaled by ¼', async () => {
  const engine = await sharedEngine();
  const errors: number[] = [];
  for (const n of [1, 3, 5] as const) {
    const bytes = await demoPhoto(n);
    const meta = await sharp(bytes).rotate().toBuffer({ resolveWithObject: true });
    const full = await decodeImage(bytes);
    const small = await decodeImage(await sharp(meta.data).resize(Math.round(meta.info.width / 4), Math.round(meta.info.height / 4)).jpeg({ quality: 50 }).toBuffer());
    const k = small.width / full.width;
    const smallBoxes = await engine.detect(small, { minScore: 0.5 });
    for (const box of await engine.detect(full)) {
      const scaled = { x1: box.x1 * k, y1: box.y1 * k, x2: box.x2 * k, y2: box.y2 * k };
      const match = smallBoxes.find((b) => iou(b, scaled) > 0.5);
      assert.ok(match, `sample${n}: face at ${Math.round(box.x1)},${Math.round(box.y1)} found after shrinking`);
      const ref = landmarks68To5(await engine.landmarker.landmarks(full, box)).map(([x, y]) => [x * k, y * k] as const);
      const got = landmarks68To5(await engine.landmarker.landmarks(small, match!));
      const eyes = Math.hypot(ref[1]![0] - ref[0]![0], ref[1]![1] - ref[0]![1]);
      const err = got.reduce((s, [x, y], i) => s + Math.hypot(x - ref[i]![0], y - ref[i]![1]), 0) / got.length / eyes;
      errors.push(err);
      assert.ok(err < 0.1, `sample${n}: mean 5-point error ${err.toFixed(3)} of the eye distance (${eyes.toFixed(1)} px)`);
    }
  }
  const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
  assert.ok(mean < 0.05, `mean error ${mean.toFixed(3)} of the eye distance over ${errors.length} faces`);
});

test.after(closeSharedEngine);
test.run();
