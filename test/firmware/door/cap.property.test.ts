// Property: whatever happens at the door (grants, remote unlocks, exit presses, a
// stuck exit button, the door opening and closing, fire and tamper, in any order
// and timing), the relay history never shows an energised stretch past
// maxEnergiseMs, except one covered by a fire release on a fail-safe door.
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DoorController, type DoorConfig, type DoorEvent } from '../../../firmware/door/index.js';
import { silentLogger } from '../../../firmware/log.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { SimInput } from '../../../hal/sim/input.js';
import { SimOutput } from '../../../hal/sim/output.js';
import { activeSpans, capViolation, type Span } from './cap.js';

type InputName = 'contact' | 'exit' | 'fire' | 'tamper';
type Step =
  | { kind: 'grant'; durationMs: number | undefined; source: 'grant' | 'remote' }
  | { kind: 'input'; input: InputName; active: boolean }
  | { kind: 'advance'; ms: number };

const configArb: fc.Arbitrary<DoorConfig> = fc
  .record({
    maxEnergiseMs: fc.integer({ min: 50, max: 3_000 }),
    unlockFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    heldOpenMs: fc.integer({ min: 1, max: 5_000 }),
    relockOnOpen: fc.boolean(),
    lock: fc.constantFrom('fail-safe' as const, 'fail-secure' as const),
    exitButtonUnlocks: fc.boolean(),
  })
  .map(({ unlockFraction, ...rest }) => ({ ...rest, unlockMs: Math.max(1, Math.round(unlockFraction * rest.maxEnergiseMs)) }));

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('grant' as const),
      durationMs: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: undefined }),
      source: fc.constantFrom('grant' as const, 'remote' as const),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('input' as const),
      input: fc.constantFrom<InputName>('contact', 'exit', 'exit', 'fire', 'tamper'),
      active: fc.boolean(),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 4_000 })),
    }),
  },
);

function runDoor(config: DoorConfig, steps: readonly Step[]) {
  const clock = new FakeClock(0);
  const relay = new SimOutput({ clock });
  const inputs: Record<InputName, SimInput> = {
    contact: new SimInput({ clock, debounceMs: 20 }),
    exit: new SimInput({ clock, debounceMs: 20 }),
    fire: new SimInput({ clock, debounceMs: 20 }),
    tamper: new SimInput({ clock, debounceMs: 20 }),
  };
  const exempt: Span[] = [];
  inputs.fire.onChange((e) => {
    if (config.lock !== 'fail-safe') return;
    if (e.active) exempt.push({ start: clock.now(), end: Infinity });
    else (exempt.at(-1) as Span).end = clock.now();
  });
  const problems: string[] = [];
  const events: DoorEvent[] = [];
  const door = new DoorController({
    relay,
    contact: inputs.contact,
    exitButton: inputs.exit,
    fire: inputs.fire,
    tamper: inputs.tamper,
    clock,
    config,
    logger: silentLogger(),
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'alarm.forced-open' && relay.state) problems.push(`forced-open raised at ${e.at} while unlocked`);
    },
  });
  const check = (after: string) => {
    const s = door.state;
    if (s.relayActive !== relay.state || s.locked === relay.state) {
      problems.push(`after ${after}: state says relayActive=${s.relayActive} locked=${s.locked}, relay is ${relay.state}`);
    }
  };
  for (const step of steps) {
    if (step.kind === 'grant') door.grant({ durationMs: step.durationMs, source: step.source });
    else if (step.kind === 'input') inputs[step.input].setRaw(step.active);
    else clock.advance(step.ms);
    check(step.kind);
  }
  clock.advance(0);
  return { clock, relay, door, exempt, events, problems };
}

test('property: the relay never outlives maxEnergiseMs (fail-safe fire excepted) and the guard never has to step in', async () => {
  await fc.assert(
    fc.asyncProperty(configArb, fc.array(stepArb, { maxLength: 60 }), async (config, steps) => {
      const { clock, relay, door, exempt, events, problems } = runDoor(config, steps);
      assert.equal(problems, []);
      const violation = capViolation(activeSpans(relay.history, clock.now()), exempt, config.maxEnergiseMs);
      assert.is(violation, null);
      assert.ok(
        !events.some((e) => e.type === 'alarm.relay-max-energise'),
        'the state machine relocks by itself; the guard is only a backstop',
      );
      await door.close();
      assert.is(relay.state, false, 'close de-energises');
    }),
    { numRuns: 300 },
  );
});

test('property: a fire release on a fail-safe door holds the relay for as long as the fire lasts', async () => {
  await fc.assert(
    fc.asyncProperty(configArb, fc.array(stepArb, { maxLength: 40 }), fc.integer({ min: 1, max: 20_000 }), async (config, steps, fireMs) => {
      const failSafe = { ...config, lock: 'fail-safe' as const };
      const withFire: Step[] = [
        ...steps.filter((s) => !(s.kind === 'input' && s.input === 'fire')),
        { kind: 'input', input: 'fire', active: true },
        { kind: 'advance', ms: 20 + fireMs },
      ];
      const { relay, door } = runDoor(failSafe, withFire);
      assert.is(relay.state, true);
      assert.is(door.state.fireActive, true);
      assert.is(door.state.locked, false);
      await door.close();
    }),
    { numRuns: 150 },
  );
});

test.run();
