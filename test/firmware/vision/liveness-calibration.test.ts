// Site calibration: the threshold follows genuine scores down, within the floor and the level.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CalibrationError, LIVENESS_FLOOR, MIN_CALIBRATION_APPROACHES, calibrateLiveness } from '../../../firmware/vision/liveness-calibration.js';
import { LIVENESS_THRESHOLDS } from '../../../firmware/vision/liveness.js';

test('a site whose genuine approaches score lower (backlit door) gets a lower threshold that still admits 95 % of them', () => {
  const genuine = Array.from({ length: 40 }, (_, i) => 0.2 + (0.75 * i) / 39);
  const c = calibrateLiveness(genuine, 'medium');
  assert.ok(c.threshold < LIVENESS_THRESHOLDS.medium && c.threshold >= LIVENESS_FLOOR);
  assert.ok(genuine.filter((s) => s >= c.threshold).length / genuine.length >= 0.95);
  assert.is(c.boundedBy, undefined);
});

test('never below the floor that known attacks stay under, never above the level', () => {
  const low = calibrateLiveness([0.001, 0.002, 0.01, 0.02, 0.03, 0.9], 'medium');
  assert.equal([low.threshold, low.boundedBy], [LIVENESS_FLOOR, 'floor']);
  const high = calibrateLiveness([0.99, 0.98, 0.97, 0.99, 0.995], 'high');
  assert.equal([high.threshold, high.boundedBy], [LIVENESS_THRESHOLDS.high, 'level']);
});

test('too few approaches, bad scores or liveness off are refused with a code', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      return err instanceof CalibrationError ? err.code : 'other';
    }
    return 'none';
  };
  assert.is(code(() => calibrateLiveness(new Array(MIN_CALIBRATION_APPROACHES - 1).fill(0.9), 'medium')), 'TOO_FEW');
  assert.is(code(() => calibrateLiveness([0.9, 0.9, Number.NaN, 0.9, 0.9], 'medium')), 'BAD_SCORE');
  assert.is(code(() => calibrateLiveness([0.9, 0.9, 0.9, 0.9, 0.9], 'off')), 'BAD_SCORE');
});

test.run();
