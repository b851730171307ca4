// Property: whatever happens at a vehicle gate (plate grants, operator opens and closes,
// the loop detector and the fire input going on and off, time passing, in any order and
// timing), the barrier relay never drops (boom coming down) while the detector sees a
// vehicle or the fire input is active, and once the loop and the fire are clear and
// nothing more happens the barrier comes down by itself.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BarrierController, type BarrierConfig, type BarrierEvent } from '../../../firmware/door/index.js';
import { silentLogger } from '../../../firmware/log.js';
import type { DigitalOutput } from '../../../hal/output.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { SimInput } from '../../../hal/sim/input.js';
import { SimOutput } from '../../../hal/sim/output.js';

type Step =
  | { kind: 'grant' }
  | { kind: 'remote-open' }
  | { kind: 'remote-close' }
  | { kind: 'loop'; on: boolean }
  | { kind: 'fire'; on: boolean }
  | { kind: 'advance'; ms: number };

const DEBOUNCE_MS = 20;

const configArb: fc.Arbitrary<BarrierConfig> = fc.record({
  openMs: fc.integer({ min: 1_000, max: 30_000 }),
  closeDelayMs: fc.integer({ min: 0, max: 5_000 }),
  heldOpenMs: fc.integer({ min: 1_000, max: 60_000 }),
});

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'grant' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'remote-open' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'remote-close' as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('loop' as const), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fire' as const), on: fc.boolean() }) },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40_000 })) }),
  },
);

/** The barrier relay (a sim twin) with a probe: what the detector and the fire input read at each write. */
class ProbedRelay implements DigitalOutput {
  readonly lowered: Array<{ at: number; vehiclePresent: boolean; fire: boolean }> = [];
  constructor(
    private readonly inner: SimOutput,
    private readonly detector: SimInput,
    private readonly clock: FakeClock,
    private readonly fire: SimInput | null = null,
  ) {}
  get state(): boolean {
    return this.inner.state;
  }
  set(active: boolean): Promise<void> {
    if (!active && this.inner.state) this.lowered.push({ at: this.clock.now(), vehiclePresent: this.detector.state, fire: this.fire?.state ?? false });
    return this.inner.set(active);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

function run(config: BarrierConfig, steps: readonly Step[]) {
  const clock = new FakeClock(0);
  const detector = new SimInput({ clock, debounceMs: DEBOUNCE_MS });
  const fire = new SimInput({ clock, debounceMs: DEBOUNCE_MS });
  const relay = new ProbedRelay(new SimOutput({ clock, name: 'barrierRelay' }), detector, clock, fire);
  const events: BarrierEvent[] = [];
  const barrier = new BarrierController({ relay, vehicleDetector: detector, fire, clock, config, logger: silentLogger(), onEvent: (e) => events.push(e) });
  for (const s of steps) {
    if (s.kind === 'grant') barrier.open({ source: 'grant' });
    else if (s.kind === 'remote-open') barrier.open({ source: 'remote' });
    else if (s.kind === 'remote-close') barrier.requestClose();
    else if (s.kind === 'loop') detector.setRaw(s.on);
    else if (s.kind === 'fire') fire.setRaw(s.on);
    else clock.advance(s.ms);
  }
  return { clock, detector, fire, relay, barrier, events };
}

test('the barrier never comes down on a vehicle or during a fire, and comes down once the loop and the fire are clear', () => {
  fc.assert(
    fc.property(configArb, fc.array(stepArb, { maxLength: 60 }), (config, steps) => {
      const { clock, detector, fire, relay, barrier, events } = run(config, steps);
      for (const l of relay.lowered) {
        assert.not.ok(l.vehiclePresent, `lowered at ${l.at} with a vehicle on the loop`);
        assert.not.ok(l.fire, `lowered at ${l.at} during a fire`);
      }
      // A fire (debounced in) holds the barrier up whatever else happened.
      if (fire.state) assert.is(relay.state, true, 'down during a fire');
      // The events agree with the relay: every close is a lowering the probe saw.
      assert.is(events.filter((e) => e.type === 'barrier.closed').length, relay.lowered.length);
      // The fire clears, the vehicle leaves and nothing else happens: down within the longest wait.
      fire.setRaw(false);
      detector.setRaw(false);
      clock.advance(DEBOUNCE_MS + Math.max(config.openMs, config.closeDelayMs) + 1);
      assert.is(relay.state, false, 'still up after the loop cleared');
      assert.is(barrier.state.up, false);
      for (const l of relay.lowered) assert.not.ok(l.vehiclePresent);
      void barrier.close();
    }),
    { numRuns: 400 },
  );
});

test('the probe can fail: lowering the relay behind the controller\'s back with a vehicle present is seen', () => {
  const clock = new FakeClock(0);
  const detector = new SimInput({ clock, debounceMs: 0 });
  const relay = new ProbedRelay(new SimOutput({ clock }), detector, clock);
  void relay.set(true);
  detector.setRaw(true);
  void relay.set(false);
  assert.equal(relay.lowered, [{ at: 0, vehiclePresent: true, fire: false }]);
});

test.run();
