// The active challenge: a still photo cannot pass it; a blink or a head turn can.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LivenessChallenge, eyeAspectRatio } from '../../../firmware/vision/challenge.js';
import { decodeImage } from '../../../firmware/vision/image.js';
import { closeSharedEngine, demoPhoto, sharedEngine } from './fixtures.js';

async function stillLandmarks(): Promise<Float32Array> {
  const engine = await sharedEngine();
  const [face] = await engine.analyseImage(await decodeImage(await demoPhoto(3)), { embed: 'never', liveness: 'never' });
  return face!.landmarks;
}

test('a still photo passes no challenge: its landmarks never move, and the timeout fails it', async () => {
  const still = await stillLandmarks();
  for (const kind of ['blink', 'turn_left', 'turn_right'] as const) {
    const c = new LivenessChallenge({ kinds: [kind], timeoutMs: 3000 });
    const states = Array.from({ length: 40 }, (_, i) => c.observe(still, 1000 + 100 * i));
    assert.is(states.at(-1), 'failed', kind);
    assert.not.ok(states.includes('passed'), kind);
  }
});

test('a blink (eyes close, then open) passes the blink challenge', async () => {
  const open = await stillLandmarks();
  const closed = Float32Array.from(open);
  // Lids together: the upper and lower lid points (37, 38, 40, 41 and 43, 44, 46, 47) meet at the eye's centre line.
  for (const [a, b] of [[37, 41], [38, 40], [43, 47], [44, 46]] as const) {
    const y = (open[2 * a + 1]! + open[2 * b + 1]!) / 2;
    closed[2 * a + 1] = y;
    closed[2 * b + 1] = y;
  }
  assert.ok(eyeAspectRatio(closed) < 0.3 * eyeAspectRatio(open));
  const c = new LivenessChallenge({ kinds: ['blink'] });
  assert.equal([c.observe(open, 0), c.observe(closed, 100), c.observe(open, 200)], ['pending', 'pending', 'passed']);
});

test('the challenge is drawn at random from the allowed kinds', () => {
  assert.is(new LivenessChallenge({ random: () => 0 }).kind, 'blink');
  assert.is(new LivenessChallenge({ random: () => 0.99 }).kind, 'turn_right');
  assert.throws(() => new LivenessChallenge({ kinds: [] }), TypeError);
});

test.after(closeSharedEngine);
test.run();
