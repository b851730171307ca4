/**
 * bench:community's template model: fitted to given same-person and different-person
 * score moments, the sightings it draws score like that (so the bench's faces follow
 * what the real embedder measured, whatever those numbers are).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fitTemplateModel, pairScores, stats, TemplateSource } from '../../../tools/bench/community-faces.js';

function simulate(genuine: { mean: number; sd: number }, impostor: { mean: number; sd: number }) {
  const model = fitTemplateModel({ n: 40, min: 0, max: 1, ...genuine }, { n: 150, min: -1, max: 1, ...impostor }, 512);
  const source = new TemplateSource(model, 7);
  const sightings: Array<{ label: string; e: Float32Array }> = [];
  for (let p = 0; p < 120; p++) {
    const base = source.base();
    for (let k = 0; k < 4; k++) sightings.push({ label: String(p), e: source.sighting(base) });
  }
  const s = pairScores(sightings);
  return { g: stats(s.genuine), i: stats(s.impostor) };
}

test('simulated sightings reproduce the measured score moments', () => {
  for (const [genuine, impostor] of [
    [{ mean: 0.82, sd: 0.11 }, { mean: 0.01, sd: 0.083 }],
    [{ mean: 0.6, sd: 0.12 }, { mean: 0.05, sd: 0.12 }],
  ] as const) {
    const { g, i } = simulate(genuine, impostor);
    assert.ok(Math.abs(g.mean - genuine.mean) < 0.03, `same-person mean ${g.mean} vs ${genuine.mean}`);
    assert.ok(Math.abs(g.sd - genuine.sd) < 0.03, `same-person sd ${g.sd} vs ${genuine.sd}`);
    assert.ok(Math.abs(i.mean - impostor.mean) < 0.02, `different-people mean ${i.mean} vs ${impostor.mean}`);
    assert.ok(Math.abs(i.sd - impostor.sd) < 0.02, `different-people sd ${i.sd} vs ${impostor.sd}`);
  }
});

test.run();
