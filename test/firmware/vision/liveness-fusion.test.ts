// Liveness fused per approach in logit space: one odd frame neither admits nor rejects.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fuseLiveness, logit, sigmoid } from '../../../firmware/vision/liveness-fusion.js';

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

test.run();
