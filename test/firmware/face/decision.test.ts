import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { faceCredential, faceThresholds, promptFor } from '../../../firmware/face/index.js';
import type { FaceDecision, FrameResult, TrackResult } from '../../../firmware/vision/index.js';
import { DEFAULT_THRESHOLDS } from '../../../firmware/vision/matcher/index.js';

const base: FaceDecision = { trackId: 1, personId: null, score: 0.1, liveness: 0.9, spoofSuspected: false, frames: 3, timestamp: 0 };

test('a match, a stranger and a spoof become the face credentials the access core expects', () => {
  assert.equal(faceCredential({ ...base, personId: 'alice', score: 0.8 }), { type: 'face', personId: 'alice', score: 0.8, liveness: 0.9, spoofSuspected: false });
  assert.equal(faceCredential(base), { type: 'face', personId: null, score: 0.1, liveness: 0.9, spoofSuspected: false });
  assert.equal(faceCredential({ ...base, spoofSuspected: true, liveness: 0.1, claimedPersonId: 'alice', score: 0.7 }), {
    type: 'face',
    personId: 'alice',
    score: 0.7,
    liveness: 0.1,
    spoofSuspected: true,
  });
  assert.equal(faceCredential({ ...base, spoofSuspected: true, liveness: 0.1 }), { type: 'face', personId: null, score: 0.1, liveness: 0.1, spoofSuspected: true });
  assert.equal(faceCredential({ ...base, liveness: null }), { type: 'face', personId: null, score: 0.1, liveness: null, spoofSuspected: false });
});

test('a face that never had a usable frame is no access attempt', () => {
  assert.is(faceCredential({ ...base, score: 0, liveness: null, frames: 0, qualityReason: 'too_small' }), null);
});

test('non-finite numbers never reach the access core', () => {
  const c = faceCredential({ ...base, score: Number.NaN, liveness: Number.POSITIVE_INFINITY });
  assert.equal(c, { type: 'face', personId: null, score: 0, liveness: null, spoofSuspected: false });
});

function track(over: Partial<TrackResult> & { w: number }): TrackResult {
  const { w, ...rest } = over;
  return { trackId: 1, box: { x1: 0, y1: 0, x2: w, y2: w, score: 1 }, quality: { ok: true }, goodFrames: 0, decisionReady: false, analysed: true, ...rest };
}
const frame = (tracks: TrackResult[]): FrameResult => ({
  seq: 1,
  timestamp: 0,
  tracks,
  ended: [],
  decisions: [],
  timings: { convert: 0, detect: 0, landmarks: 0, align: 0, quality: 0, liveness: 0, embed: 0, livenessAndEmbed: 0, total: 0 },
});

test('the prompt is the largest unusable face\'s message; none for usable, decided or unanalysed faces', () => {
  assert.is(promptFor(frame([])), null);
  assert.is(promptFor(frame([track({ w: 100 })])), null);
  const small = track({ w: 50, quality: { ok: false, reason: 'too_small', message: 'come closer' } });
  const dark = track({ w: 120, trackId: 2, quality: { ok: false, reason: 'too_dark', message: 'too dark' } });
  assert.equal(promptFor(frame([small, dark])), { reason: 'too_dark', message: 'too dark' });
  assert.equal(promptFor(frame([small])), { reason: 'too_small', message: 'come closer' });
  assert.is(promptFor(frame([{ ...dark, analysed: false }])), null);
  assert.is(promptFor(frame([{ ...dark, goodFrames: 2 }])), null, 'a face already seen well needs no prompt');
});

test('thresholds: the model set\'s calibrated defaults, an identify override, none for unknown sets', () => {
  const d = DEFAULT_THRESHOLDS['faceplugin-0.0.1']!;
  assert.equal(faceThresholds('faceplugin-0.0.1'), d);
  const o = faceThresholds('faceplugin-0.0.1', 0.6);
  assert.is(o.identify, 0.6);
  assert.is(o.verify, d.verify);
  assert.match(o.basis, /face\.matchThreshold/);
  try {
    faceThresholds('my-set');
    assert.unreachable();
  } catch (err) {
    assert.is((err as { code?: string }).code, 'NO_THRESHOLD');
    assert.match((err as Error).message, /face\.matchThreshold/);
  }
  assert.is(faceThresholds('my-set', 0.5).identify, 0.5);
  assert.throws(() => faceThresholds('faceplugin-0.0.1', 2), TypeError);
});

test.run();
