// The liveness bench replays a recording as the terminal's track decides: gate-stopped frames
// delay a decision, they do not make it a spoof.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { replayApproaches, stillApproaches, type FrameEvidence } from '../../tools/bench/pad-approaches.js';

const ok = (live: number): FrameEvidence => ({ usable: true, live });
const stopped: FrameEvidence = { usable: false };
const rules = { threshold: 0.5, minFrames: 3, maxFrames: 10, challengeFloor: 0.05 };

test('a person who turns away for a while is decided on the usable frames around the turn, not refused', () => {
  // Two frontal frames, six the pose gate stops, then a frontal one: one approach of 9 frames.
  const r = replayApproaches([ok(0.99), ok(0.12), stopped, stopped, stopped, stopped, stopped, stopped, ok(0.98)], rules);
  assert.equal(r.approaches.map((a) => [a.outcome, a.frames]), [['accepted', 9]]);
  assert.is(r.unfinished, 0);
});

test('decisions come as soon as minFrames usable frames are in; the trailing frames are unfinished', () => {
  const r = replayApproaches([ok(0.9), ok(0.9), ok(0.9), ok(0.001), ok(0.002), ok(0.9), ok(0.9)], rules);
  assert.equal(r.approaches.map((a) => a.outcome), ['accepted', 'spoof']);
  assert.is(r.unfinished, 1);
});

test('an approach without enough usable frames within maxFrames is undecided, never a spoof', () => {
  const frames = [ok(0.9), ...new Array<FrameEvidence>(9).fill(stopped), ok(0.9), ok(0.9), ok(0.9)];
  const r = replayApproaches(frames, rules);
  assert.equal(r.approaches.map((a) => [a.outcome, a.frames]), [['undecided', 10], ['accepted', 3]]);
});

test('a fused score between the floor and the threshold is a spoof verdict in the challenge band', () => {
  const [a] = replayApproaches([ok(0.2), ok(0.3), ok(0.25)], rules).approaches;
  assert.is(a!.outcome, 'spoof');
  assert.ok(a!.challengeBand);
  const [b] = replayApproaches([ok(0.001), ok(0.01), ok(0.002)], rules).approaches;
  assert.is(b!.challengeBand, undefined);
});

test('stills: each frame is an approach; a gate-stopped still is undecided', () => {
  assert.equal(stillApproaches([ok(0.9), stopped, ok(0.1)], rules).map((a) => a.outcome), ['accepted', 'undecided', 'spoof']);
});

test('turned frames count less, as in the pipeline: a frontal live frame among two strongly turned ones decides', () => {
  const turned = (live: number, yaw: number): FrameEvidence => ({ usable: true, live, yaw });
  const [a] = replayApproaches([turned(0.2, 0.6), turned(0.35, -0.65), turned(0.97, 0.05)], rules).approaches;
  assert.is(a!.outcome, 'accepted');
  // Without the pose the same scores are the median, a spoof verdict in the challenge band.
  const [b] = replayApproaches([ok(0.2), ok(0.35), ok(0.97)], rules).approaches;
  assert.equal([b!.outcome, b!.challengeBand], ['spoof', true]);
});

test('bad rules are refused', () => {
  assert.throws(() => replayApproaches([], { ...rules, maxFrames: 2 }), /maxFrames/);
  assert.throws(() => replayApproaches([], { ...rules, minFrames: 0 }), /minFrames/);
  assert.throws(() => stillApproaches([], { ...rules, threshold: 2 }), /threshold/);
});

test.run();
