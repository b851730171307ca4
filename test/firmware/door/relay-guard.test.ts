import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RelayGuard } from '../../../firmware/door/relay-guard.js';
import { HalError } from '../../../hal/errors.js';
import type { DigitalOutput } from '../../../hal/output.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { SimInput } from '../../../hal/sim/input.js';
import { SimOutput } from '../../../hal/sim/output.js';
import { activeSpans, capViolation, type Span } from './cap.js';

function setup(options: { maxEnergiseMs?: number; failSafe?: boolean } = {}) {
  const clock = new FakeClock(0);
  const relay = new SimOutput({ clock });
  const fire = new SimInput({ clock, debounceMs: 0 });
  const cuts: number[] = [];
  const guard = new RelayGuard({
    relay,
    clock,
    maxEnergiseMs: options.maxEnergiseMs ?? 1_000,
    fire,
    failSafe: options.failSafe ?? true,
    onCut: (ms) => cuts.push(ms),
    onWriteError: (e) => {
      throw e;
    },
  });
  return { clock, relay, fire, cuts, guard };
}

test('a relay requested on forever is cut at maxEnergiseMs and stays off until released', () => {
  const { clock, relay, cuts, guard } = setup();
  guard.request(true);
  assert.is(guard.energisedSince, 0);
  clock.advance(999);
  assert.is(relay.state, true);
  clock.advance(1);
  assert.is(relay.state, false);
  assert.equal(cuts, [1_000]);
  guard.request(true);
  clock.advance(5_000);
  assert.is(relay.state, false, 'latched: a stuck "unlocked" cannot re-energise');
  guard.request(false);
  guard.request(true);
  assert.is(relay.state, true);
  assert.equal(relay.history, [
    { active: true, at: 0 },
    { active: false, at: 1_000 },
    { active: true, at: 6_000 },
  ]);
});

test('repeated energise requests do not extend the stretch', () => {
  const { clock, relay, guard } = setup();
  guard.request(true);
  for (let i = 0; i < 10; i++) {
    clock.advance(300);
    guard.request(true);
  }
  assert.equal(relay.history.slice(0, 2), [
    { active: true, at: 0 },
    { active: false, at: 1_000 },
  ]);
});

test('a release exactly at the deadline does not trip the guard', () => {
  const { clock, cuts, guard } = setup();
  guard.request(true);
  clock.setTimeout(() => guard.request(false), 1_000);
  clock.advance(2_000);
  assert.equal(cuts, []);
  assert.is(clock.pendingTimers, 0);
});

test('fail-safe fire suspends the cap; when it clears a relay past the cap is cut at once', () => {
  const { clock, relay, fire, cuts, guard } = setup();
  guard.request(true);
  clock.advance(500);
  fire.setRaw(true);
  clock.advance(60_000);
  assert.is(relay.state, true);
  fire.setRaw(false);
  clock.advance(0);
  assert.is(relay.state, false);
  assert.equal(cuts, [60_500]);
});

test('a fire that clears before the cap leaves the original deadline', () => {
  const { clock, relay, fire, guard } = setup();
  guard.request(true);
  fire.setRaw(true);
  clock.advance(300);
  fire.setRaw(false);
  clock.advance(699);
  assert.is(relay.state, true);
  clock.advance(1);
  assert.is(relay.state, false);
});

test('fail-secure: the fire input does not suspend the cap', () => {
  const { clock, relay, fire, cuts, guard } = setup({ failSafe: false });
  fire.setRaw(true);
  guard.request(true);
  clock.advance(1_000);
  assert.is(relay.state, false);
  assert.equal(cuts, [1_000]);
});

test('relay write failures are reported, never thrown or left unhandled', async () => {
  const clock = new FakeClock(0);
  const errors: unknown[] = [];
  const broken: DigitalOutput = {
    state: false,
    set: () => Promise.reject(new HalError('DEVICE_IO', 'gpio write failed')),
    close: () => Promise.resolve(),
  };
  const guard = new RelayGuard({ relay: broken, clock, maxEnergiseMs: 100, failSafe: true, onCut: () => {}, onWriteError: (e) => errors.push(e) });
  guard.request(true);
  clock.advance(100);
  await guard.close();
  assert.is(errors.length, 3);
  assert.ok(errors.every((e) => e instanceof HalError && e.code === 'DEVICE_IO'));
});

test('close releases the relay and ignores later requests', async () => {
  const { clock, relay, guard } = setup();
  guard.request(true);
  await guard.close();
  assert.is(relay.state, false);
  guard.request(true);
  clock.advance(10_000);
  assert.is(relay.state, false);
  assert.is(clock.pendingTimers, 0);
});

type GuardStep =
  | { kind: 'request'; active: boolean }
  | { kind: 'fire'; active: boolean }
  | { kind: 'advance'; ms: number };

const guardStep: fc.Arbitrary<GuardStep> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('request' as const), active: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fire' as const), active: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 2_500 }) }) },
);

test('property: whatever a (buggy) user requests, no active stretch outlives the cap unless a fail-safe fire covers it', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2_000 }), fc.boolean(), fc.array(guardStep, { maxLength: 80 }), (maxMs, failSafe, steps) => {
      const clock = new FakeClock(0);
      const relay = new SimOutput({ clock });
      const fire = new SimInput({ clock, debounceMs: 0 });
      const guard = new RelayGuard({ relay, clock, maxEnergiseMs: maxMs, fire, failSafe, onCut: () => {}, onWriteError: () => {} });
      const exempt: Span[] = [];
      fire.onChange((e) => {
        if (!failSafe) return;
        if (e.active) exempt.push({ start: clock.now(), end: Infinity });
        else (exempt.at(-1) as Span).end = clock.now();
      });
      for (const step of steps) {
        if (step.kind === 'request') guard.request(step.active);
        else if (step.kind === 'fire') fire.setRaw(step.active);
        else clock.advance(step.ms);
      }
      clock.advance(0);
      const violation = capViolation(activeSpans(relay.history, clock.now()), exempt, maxMs);
      assert.is(violation, null);
    }),
    { numRuns: 400 },
  );
});

test.run();
