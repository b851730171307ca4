// The vehicle barrier's timing: up for a grant, down closeDelayMs after the vehicle
// has left the loop or openMs after nobody came, an operator's close waiting for the
// vehicle, one vehicle per grant, and the held alarm.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BarrierController, type BarrierEvent } from '../../../firmware/door/index.js';
import { silentLogger } from '../../../firmware/log.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { SimInput } from '../../../hal/sim/input.js';
import { SimOutput } from '../../../hal/sim/output.js';

function rig(options: { fireAtStart?: boolean } = {}) {
  const clock = new FakeClock(0);
  const relay = new SimOutput({ clock });
  const loop = new SimInput({ clock, debounceMs: 0 });
  const fire = new SimInput({ clock, debounceMs: 0, initial: options.fireAtStart ?? false });
  const events: BarrierEvent[] = [];
  const barrier = new BarrierController({
    relay,
    vehicleDetector: loop,
    fire,
    clock,
    config: { openMs: 10_000, closeDelayMs: 1_000, heldOpenMs: 60_000 },
    logger: silentLogger(),
    onEvent: (e) => events.push(e),
  });
  const types = () => events.map((e) => ('reason' in e ? `${e.type}:${e.reason}` : 'source' in e ? `${e.type}:${e.source}` : e.type));
  return { clock, relay, loop, fire, barrier, events, types };
}

test('a grant raises the barrier; it comes down closeDelayMs after the vehicle has left the loop', () => {
  const { clock, relay, loop, barrier, types } = rig();
  barrier.open({ source: 'grant' });
  assert.is(relay.state, true);
  clock.advance(3_000);
  loop.setRaw(true);
  clock.advance(30_000); // a slow vehicle: longer than openMs on the loop
  assert.is(relay.state, true);
  loop.setRaw(false);
  clock.advance(999);
  assert.is(relay.state, true);
  clock.advance(1);
  assert.is(relay.state, false);
  assert.equal(types(), ['barrier.opened:grant', 'barrier.closed:passed']);
});

test('nobody arriving within openMs brings it down', () => {
  const { clock, relay, barrier, types } = rig();
  barrier.open({ source: 'grant' });
  clock.advance(9_999);
  assert.is(relay.state, true);
  clock.advance(1);
  assert.is(relay.state, false);
  assert.equal(types(), ['barrier.opened:grant', 'barrier.closed:timeout']);
});

test("an operator's close waits for the vehicle on the loop", () => {
  const { clock, relay, loop, barrier, types } = rig();
  barrier.open({ source: 'remote' });
  loop.setRaw(true);
  barrier.requestClose();
  clock.advance(100_000);
  assert.is(relay.state, true);
  loop.setRaw(false);
  clock.advance(1_000);
  assert.is(relay.state, false);
  assert.ok(types().includes('barrier.closed:remote'));
});

test('two grants let two vehicles through before the barrier comes down', () => {
  const { clock, relay, loop, barrier } = rig();
  barrier.open({ source: 'grant' });
  barrier.open({ source: 'grant' });
  loop.setRaw(true);
  loop.setRaw(false);
  clock.advance(5_000);
  assert.is(relay.state, true, 'the second vehicle is still to come');
  loop.setRaw(true);
  loop.setRaw(false);
  clock.advance(1_000);
  assert.is(relay.state, false);
});

test('a barrier up past heldOpenMs raises alarm.barrier-held, cleared when it comes down', () => {
  const { clock, loop, barrier, events } = rig();
  barrier.open({ source: 'grant' });
  loop.setRaw(true);
  clock.advance(60_000);
  assert.equal(events.at(-1), { type: 'alarm.barrier-held', at: 60_000, openMs: 60_000 });
  loop.setRaw(false);
  clock.advance(1_000);
  assert.equal(events.slice(-2), [
    { type: 'barrier.closed', at: 61_000, reason: 'passed' },
    { type: 'alarm.barrier-held-cleared', at: 61_000, openMs: 61_000 },
  ]);
});

test('a fire raises the barrier and holds it up for emergency vehicles until the fire input clears', () => {
  const { clock, relay, loop, fire, barrier, types } = rig();
  fire.setRaw(true);
  assert.is(relay.state, true);
  assert.is(barrier.state.fireActive, true);
  // Vehicles pass, nobody comes for long, an operator asks it down: it stays up.
  loop.setRaw(true);
  loop.setRaw(false);
  clock.advance(100_000);
  barrier.requestClose();
  clock.advance(100_000);
  assert.is(relay.state, true);
  assert.equal(types(), ['barrier.opened:fire'], 'no held alarm while the fire lasts');
  fire.setRaw(false);
  clock.advance(999);
  assert.is(relay.state, true);
  clock.advance(1);
  assert.is(relay.state, false);
  assert.equal(types(), ['barrier.opened:fire', 'barrier.closed:fire-cleared']);
});

test('when the fire clears with a vehicle on the loop, the barrier comes down only after it has left', () => {
  const { clock, relay, loop, fire, types } = rig();
  fire.setRaw(true);
  loop.setRaw(true);
  fire.setRaw(false);
  clock.advance(100_000);
  assert.is(relay.state, true);
  loop.setRaw(false);
  clock.advance(1_000);
  assert.is(relay.state, false);
  assert.equal(types().filter((t) => t.startsWith('barrier.')), ['barrier.opened:fire', 'barrier.closed:fire-cleared']);
});

test('a barrier already up for a grant stays up through a fire; a fire input active at start raises it', () => {
  const up = rig();
  up.barrier.open({ source: 'grant' });
  up.fire.setRaw(true);
  up.clock.advance(50_000); // past openMs
  assert.is(up.relay.state, true);
  assert.equal(up.types(), ['barrier.opened:grant']);
  up.fire.setRaw(false);
  // The grant's vehicle never came: the normal openMs timeout from the clear.
  up.clock.advance(9_999);
  assert.is(up.relay.state, true);
  up.clock.advance(1);
  assert.is(up.relay.state, false);
  assert.equal(up.types(), ['barrier.opened:grant', 'barrier.closed:timeout']);

  const atStart = rig({ fireAtStart: true });
  assert.is(atStart.relay.state, true);
  assert.equal(atStart.types(), ['barrier.opened:fire']);
});

test('bad settings and sources are programmer mistakes', () => {
  const clock = new FakeClock(0);
  const make = (config: object) => () =>
    new BarrierController({ relay: new SimOutput({ clock }), vehicleDetector: new SimInput({ clock }), clock, config, logger: silentLogger() });
  assert.throws(make({ openMs: 5 }), /barrier\.openMs/);
  assert.throws(() => make({})().open({ source: 'exit' as 'grant' }), /source/);
});

test.run();
