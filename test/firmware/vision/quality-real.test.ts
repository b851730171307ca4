// The quality gate on real faces (the face-api demo photos): the pose limits are where live
// people are (p1/p99 of 310 live faces), so a head turned as people turn walking up is judged,
// not told to face the camera.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Point } from '../../../firmware/vision/align.js';
import { decodeImage } from '../../../firmware/vision/image.js';
import { DEFAULT_QUALITY, assessQuality, poseFromPoints } from '../../../firmware/vision/quality.js';
import { closeSharedEngine, demoPhoto, sharedEngine } from './fixtures.js';

async function faces(n: 2 | 3) {
  const engine = await sharedEngine();
  const img = await decodeImage(await demoPhoto(n));
  const out = [];
  for (const box of await engine.detect(img)) out.push({ img, box, a: await engine.analyseFace(img, box, { liveness: 'never', embed: 'never' }) });
  return out;
}

test('a real face turned by more than the old 0.35 yaw limit, as live people turn, is not stopped for pose', async () => {
  const turned = (await faces(2)).sort((x, y) => Math.abs(y.a.quality.metrics.yaw) - Math.abs(x.a.quality.metrics.yaw))[0]!;
  const yaw = Math.abs(turned.a.quality.metrics.yaw);
  assert.ok(yaw > 0.35 && yaw < DEFAULT_QUALITY.maxYaw, `yaw ${yaw}`);
  assert.is.not(turned.a.quality.reason, 'pose');
  // The old limit stops it: this is the frame the gate used to throw away.
  assert.is(assessQuality({ img: turned.img, box: turned.box, points5: turned.a.points5, aligned: turned.a.aligned }, { maxYaw: 0.35 }).reason, 'pose');
});

test('a real frontal face passes; the same face with its nose past maxYaw is told to face the camera', async () => {
  const frontal = (await faces(3)).find((f) => f.a.quality.ok && Math.abs(f.a.quality.metrics.yaw) < 0.15)!;
  assert.ok(frontal, 'a frontal face in sample3');
  const p = frontal.a.points5;
  const eyeDist = Math.hypot(p[1]![0] - p[0]![0], p[1]![1] - p[0]![1]);
  // Move the nose sideways along the eye line until the yaw proxy is past the limit.
  const dir: Point = [(p[1]![0] - p[0]![0]) / eyeDist, (p[1]![1] - p[0]![1]) / eyeDist];
  const shift = (DEFAULT_QUALITY.maxYaw + 0.1 - poseFromPoints(p).yaw) * eyeDist;
  const turned = p.map((q, i) => (i === 2 ? ([q[0] + dir[0] * shift, q[1] + dir[1] * shift] as const) : q));
  assert.ok(Math.abs(poseFromPoints(turned).yaw - (DEFAULT_QUALITY.maxYaw + 0.1)) < 1e-6);
  assert.is(assessQuality({ img: frontal.img, box: frontal.box, points5: turned, aligned: frontal.a.aligned }).reason, 'pose');
});

test.after(closeSharedEngine);
test.run();
