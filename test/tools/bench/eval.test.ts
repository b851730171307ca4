import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { equalErrorRate, histogram, operatingPoints, percentile, rocAuc, tarAtFar } from '../../../tools/bench/eval.js';

test('ROC AUC: perfect, inverted, random-like and tied', () => {
  assert.is(rocAuc([0.9, 0.8], [0.1, 0.2, 0.3]), 1);
  assert.is(rocAuc([0.1], [0.9]), 0);
  assert.is(rocAuc([0.5], [0.5]), 0.5);
  assert.is(rocAuc([0.6, 0.4], [0.5, 0.3]), 0.75);
  assert.ok(Number.isNaN(rocAuc([], [1])));
});

test('EER, TAR@FAR and operating points', () => {
  const genuine = [0.9, 0.8, 0.7, 0.4];
  const impostor = [0.1, 0.2, 0.3, 0.5, 0.6, 0.05, 0.15, 0.25, 0.35, 0.45];
  const pts = operatingPoints(genuine, impostor);
  assert.equal(pts[pts.length - 1], { threshold: Infinity, far: 0, frr: 1 });
  assert.equal(tarAtFar(genuine, impostor, 0), { tar: 0.75, threshold: 0.7 });
  assert.equal(tarAtFar(genuine, impostor, 0.1), { tar: 0.75, threshold: 0.6 });
  const e = equalErrorRate(genuine, impostor);
  assert.ok(e.eer >= 0.2 && e.eer <= 0.3, String(e.eer)); // FAR and FRR cross between 0.45 and 0.5
});

test('percentile and histogram', () => {
  assert.is(percentile([3, 1, 2], 0.5), 2);
  assert.is(percentile([0, 10], 0.95), 9.5);
  assert.equal(histogram([0, 0.05, 0.5, 0.99, 1], 4), [2, 0, 1, 2]);
});

test.run();
