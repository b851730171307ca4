// Site calibration of liveness at a door: approaches recorded from decisions, the threshold
// kept in the store's meta table, and read again when face recognition starts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Listeners } from '../../../hal/events.js';
import { FakeClock, SimCamera } from '../../../hal/sim/index.js';
import { FaceConfigSchema } from '../../../firmware/config/index.js';
import { LIVENESS_THRESHOLD_META_KEY, readSiteLivenessThreshold, recordGenuineApproaches, siteCalibration, storeSiteLivenessThreshold } from '../../../firmware/face/liveness-site.js';
import { challengeRules, openFaceParts, releaseFaceParts } from '../../../firmware/face/startup.js';
import { silentLogger } from '../../../firmware/log.js';
import { Store } from '../../../firmware/store/index.js';
import type { FaceDecision } from '../../../firmware/vision/decisions.js';
import { closeSharedEngine, sharedEngine } from '../vision/fixtures.js';

const log = silentLogger();
const decision = (over: Partial<FaceDecision>): FaceDecision => ({ trackId: 1, personId: null, score: 0, liveness: 0.5, spoofSuspected: false, frames: 3, timestamp: 0, ...over });

test('recording keeps the scores of approaches with a liveness verdict and stops at the count', async () => {
  const clock = new FakeClock();
  const decisions = new Listeners<FaceDecision>();
  const progress: number[] = [];
  const recording = recordGenuineApproaches({ onDecision: (h) => decisions.add(h), approaches: 3, timeoutMs: 60_000, clock, onScore: (s) => progress.push(s) });
  decisions.emit(decision({ liveness: 0.8 }));
  decisions.emit(decision({ liveness: 0.99, livenessUncertain: true })); // too few usable frames: says nothing
  decisions.emit(decision({ liveness: null, qualityReason: 'too_dark', frames: 0 }));
  decisions.emit(decision({ liveness: 0.3 }));
  decisions.emit(decision({ liveness: 0.6 }));
  decisions.emit(decision({ liveness: 0.7 })); // after the count: not recorded
  assert.equal(await recording, [0.8, 0.3, 0.6]);
  assert.equal(progress, [0.8, 0.3, 0.6]);
  assert.is(decisions.size, 0, "unsubscribed");
});

test('recording ends at the timeout with what it has', async () => {
  const clock = new FakeClock();
  const decisions = new Listeners<FaceDecision>();
  const recording = recordGenuineApproaches({ onDecision: (h) => decisions.add(h), approaches: 10, timeoutMs: 30_000, clock });
  decisions.emit(decision({ liveness: 0.4 }));
  clock.advance(30_000);
  assert.equal(await recording, [0.4]);
  assert.throws(() => siteCalibration([0.4], 'medium'), (e: Error & { code?: string }) => e.code === 'TOO_FEW');
});

test('the stored threshold is read back for its own level only; a damaged value is ignored', () => {
  const store = Store.open({ path: ':memory:', terminalId: 't-1' });
  try {
    assert.is(readSiteLivenessThreshold(store.meta, 'medium', log), undefined);
    const result = siteCalibration([0.3, 0.35, 0.4, 0.6, 0.7, 0.8], 'medium');
    assert.equal([result.threshold, result.floor, result.level], [0.3, 0.05, 'medium']);
    storeSiteLivenessThreshold(store.meta, result, 1234);
    assert.equal(readSiteLivenessThreshold(store.meta, 'medium', log), { threshold: 0.3, level: 'medium', approaches: 6, quantileScore: 0.3, at: 1234 });
    assert.is(readSiteLivenessThreshold(store.meta, 'high', log), undefined, 'calibrated at medium: not used at high');
    assert.is(readSiteLivenessThreshold(store.meta, 'off', log), undefined);
    store.meta.set(LIVENESS_THRESHOLD_META_KEY, '{"threshold": 0.001, "level": "medium"}');
    assert.is(readSiteLivenessThreshold(store.meta, 'medium', log), undefined, 'below the floor');
    store.meta.set(LIVENESS_THRESHOLD_META_KEY, 'not json');
    assert.is(readSiteLivenessThreshold(store.meta, 'medium', log), undefined);
  } finally {
    store.close();
  }
});

test('challenge rules: on by default at medium and high, off at low and off, configurable', () => {
  const face = (over: object) => FaceConfigSchema.parse({ enabled: true, ...over });
  assert.equal(challengeRules(face({})), { timeoutMs: 5000 });
  assert.ok(challengeRules(face({ livenessLevel: 'high' })));
  assert.is(challengeRules(face({ livenessLevel: 'low' })), undefined);
  assert.is(challengeRules(face({ livenessLevel: 'off', livenessChallenge: { enabled: true } })), undefined);
  assert.equal(challengeRules(face({ livenessLevel: 'low', livenessChallenge: { enabled: true, band: [0.1, 0.6], timeoutMs: 3000, kinds: ['blink'] } })), { timeoutMs: 3000, band: [0.1, 0.6], kinds: ['blink'] });
  assert.is(challengeRules(face({ livenessChallenge: { enabled: false } })), undefined);
  assert.not.ok(FaceConfigSchema.safeParse({ livenessChallenge: { band: [0.6, 0.2] } }).success);
  assert.not.ok(FaceConfigSchema.safeParse({ livenessChallenge: { kinds: ['nod'] } }).success);
});

test('face start-up gives the pipeline the stored site threshold (at the same level) and the challenge', async () => {
  const store = Store.open({ path: ':memory:', terminalId: 't-1' });
  const engine = await sharedEngine();
  const open = (level: 'medium' | 'high') =>
    openFaceParts({
      config: FaceConfigSchema.parse({ enabled: true, livenessLevel: level }),
      store,
      camera: { camera: new SimCamera({ clock: new FakeClock(), name: 'camera' }), description: 'sim', owned: true },
      engine,
      clock: new FakeClock(),
      log,
      closed: () => false,
      onModelSet: () => undefined,
      onCamera: () => undefined,
    });
  try {
    const before = await open('medium');
    assert.is(before.pipeline.liveThreshold, 0.5);
    await releaseFaceParts({ gallery: before.gallery, camera: before.camera }, log);
    storeSiteLivenessThreshold(store.meta, siteCalibration([0.2, 0.3, 0.4, 0.6, 0.7], 'medium'), 1);
    const after = await open('medium');
    assert.is(after.pipeline.liveThreshold, 0.2);
    await releaseFaceParts({ gallery: after.gallery, camera: after.camera }, log);
    const high = await open('high');
    assert.is(high.pipeline.liveThreshold, 0.7, 'a medium calibration does not relax high');
    await releaseFaceParts({ gallery: high.gallery, camera: high.camera }, log);
  } finally {
    store.close();
  }
});

test.after(closeSharedEngine);
test.run();
