import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  DEFAULT_THRESHOLDS,
  OpenSetPolicy,
  calibrate,
  identifyThreshold,
  verifyThreshold,
} from '../../../../firmware/vision/matcher/index.js';
import { normalQuantile } from '../../../../firmware/vision/matcher/thresholds.js';

test('calibrate allows floor(target * n) impostors and puts the threshold just above the next score', () => {
  const scores = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
  const c = calibrate(scores, 0.1);
  assert.is(c.impostorCount, 10);
  assert.is(c.acceptedImpostors, 1);
  assert.is(c.achievedFpir, 0.1);
  assert.ok(c.threshold > 0.8 && c.threshold - 0.8 < 1e-15, 'just above 0.8');
  assert.not.ok(c.sufficient, '10 scores cannot support 10% by the rule of three (needs 30)');

  const strict = calibrate(scores, 0.01);
  assert.is(strict.acceptedImpostors, 0);
  assert.ok(strict.threshold > 0.9);
  assert.ok(calibrate(new Array(300).fill(0).map((_, i) => i / 300), 0.01).sufficient);
});

test('tied scores at the cut are all rejected', () => {
  const c = calibrate([0.5, 0.5, 0.5, 0.1], 0.5);
  assert.is(c.acceptedImpostors, 0);
  assert.ok(c.threshold > 0.5);
});

test('calibrate: achieved FPIR never exceeds the target and the threshold is the lowest that does', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 200 }),
      fc.double({ min: 0.001, max: 0.999, noNaN: true }),
      (scores, target) => {
        const c = calibrate(scores, target);
        const accepted = scores.filter((s) => s >= c.threshold).length;
        if (accepted !== c.acceptedImpostors || accepted / scores.length > target) return false;
        // Any score below the threshold, used as the threshold, would accept too many.
        const below = scores.filter((s) => s < c.threshold);
        if (below.length === 0) return true;
        const next = Math.max(...below);
        return scores.filter((s) => s >= next).length / scores.length > target;
      },
    ),
  );
});

test('calibrate rejects what it cannot work with', () => {
  assert.throws(() => calibrate([], 0.01), TypeError);
  assert.throws(() => calibrate([0.1], 0), TypeError);
  assert.throws(() => calibrate([0.1], 1), TypeError);
  assert.throws(() => calibrate([0.1, Number.NaN], 0.1), TypeError);
});

test('OpenSetPolicy decides match or unknown on the best hit', () => {
  const p = OpenSetPolicy.fromCalibration(calibrate([0.1, 0.2, 0.3, 0.4], 0.25));
  assert.ok(p.threshold > 0.3 && p.threshold < 0.31);
  assert.match(p.basis, /on 4 impostor searches/);
  const hit = (score: number) => ({ personId: 'p1', templateId: 't1', score });
  assert.equal(p.decide([hit(0.9), { ...hit(0.5), personId: 'p2' }]), {
    kind: 'match',
    personId: 'p1',
    templateId: 't1',
    score: 0.9,
    threshold: p.threshold,
  });
  assert.equal(p.decide([hit(0.3)]), { kind: 'unknown', bestScore: 0.3, threshold: p.threshold });
  assert.equal(p.decide([]), { kind: 'unknown', bestScore: null, threshold: p.threshold });
  assert.ok(new OpenSetPolicy({ threshold: 0.5 }).accepts(0.5));
  assert.throws(() => new OpenSetPolicy({ threshold: Number.NaN }), TypeError);
});

test('model defaults follow the stated impostor model: N(0.05, 0.10), floor 0.35', () => {
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959964) < 1e-6);
  assert.ok(Math.abs(normalQuantile(1e-6) + 4.753424) < 1e-5);
  const d = DEFAULT_THRESHOLDS['faceplugin-0.0.1']!;
  assert.ok(Math.abs(d.verify - (0.05 + 0.1 * 3.719016)) < 1e-5);
  // FPIR 1% over 10k templates needs a per-comparison FAR of 1 - 0.99^(1/10000) = 1.005e-6.
  assert.ok(Math.abs(d.identify - (0.05 + 0.1 * normalQuantile(1 - 1.00503e-6))) < 1e-6);
  assert.ok(identifyThreshold('faceplugin-0.0.1', 0.01, 100_000) > d.identify, 'a larger gallery needs a stricter threshold');
  assert.is(verifyThreshold('faceplugin-0.0.1', 0.2), 0.35, 'never below the floor');
  assert.throws(() => verifyThreshold('unknown-set', 0.01), TypeError);
});

test.run();
