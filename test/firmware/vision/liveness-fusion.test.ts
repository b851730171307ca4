// Liveness fused per approach in logit space: one odd frame neither admits nor rejects.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fuseLiveness, logit, poseWeight, sigmoid } from '../../../firmware/vision/liveness-fusion.js';
import { DEFAULT_QUALITY } from '../../../firmware/vision/quality.js';

test('no frames, no verdict; one or two frames are their logit mean', () => {
  assert.is(fuseLiveness([]), undefined);
  assert.ok(Math.abs(fuseLiveness([0.8])!.live - 0.8) < 1e-9);
  const two = fuseLiveness([0.9, 0.5])!;
  assert.ok(Math.abs(two.logit - logit(0.9) / 2) < 1e-9 && two.frames === 2);
});

test('one spoof-looking frame among live ones does not reject, one live-looking frame among spoof ones does not admit', () => {
  // A probability mean would be 0.64 and 0.34: a single outlier moves it across 0.5.
  assert.ok(fuseLiveness([0.95, 0.0001, 0.97])!.live > 0.9);
  assert.ok(fuseLiveness([0.02, 0.9999, 0.01])!.live < 0.05);
  assert.ok(fuseLiveness([0.9, 0.92, 0.0001, 0.88, 0.95])!.live > 0.85);
});

test('saturated probabilities stay finite', () => {
  assert.ok(Number.isFinite(logit(0)) && Number.isFinite(logit(1)) && logit(1) > 9);
  assert.ok(Math.abs(sigmoid(logit(0.3)) - 0.3) < 1e-12);
});

test('equal weights are the plain trimmed mean', () => {
  for (const ps of [[0.3, 0.9, 0.6], [0.9, 0.92, 0.0001, 0.88, 0.95], [0.2, 0.7]]) {
    const plain = fuseLiveness(ps)!;
    const equal = fuseLiveness(ps, ps.map(() => 0.4))!;
    assert.ok(Math.abs(plain.logit - equal.logit) < 1e-9 && equal.frames === ps.length);
  }
  // Three frames: the median.
  assert.ok(Math.abs(fuseLiveness([0.3, 0.9, 0.6])!.live - 0.6) < 1e-9);
});

test('the pose weight is 1 frontal, symmetric, falling to about 1/28 at the gate\'s yaw limit', () => {
  assert.is(poseWeight(0), 1);
  assert.is(poseWeight(0.3), poseWeight(-0.3));
  assert.ok(poseWeight(0.1) > poseWeight(0.3) && poseWeight(0.3) > poseWeight(0.6));
  const atLimit = poseWeight(DEFAULT_QUALITY.maxYaw);
  assert.ok(atLimit > 1 / 30 && atLimit < 1 / 26, `${atLimit}`);
  // A site with a wider gate spreads the weight with it.
  assert.ok(Math.abs(poseWeight(0.8, 0.8) - atLimit) < 1e-12);
});

test('a frontal frame outweighs strongly turned ones; among frames of one pose an odd frame still does not decide', () => {
  const turned = poseWeight(0.6);
  const frontal = poseWeight(0.05);
  // Unweighted this is the median, 0.35: the two turned frames outvote the frontal one.
  const ps = [0.2, 0.35, 0.97];
  assert.ok(fuseLiveness(ps)!.live < 0.5);
  assert.ok(fuseLiveness(ps, [turned, turned, frontal])!.live > 0.9);
  // The other way round a frontal spoof-looking frame is not outvoted by turned live-looking ones.
  assert.ok(fuseLiveness([0.01, 0.8, 0.9], [frontal, turned, turned])!.live < 0.05);
  assert.ok(fuseLiveness([0.02, 0.9999, 0.01], [turned, turned, turned])!.live < 0.05);
  assert.throws(() => fuseLiveness([0.5, 0.5], [1]), /one weight per frame/);
});

test.run();
