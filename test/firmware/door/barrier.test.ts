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

function rig() {
  const clock = new FakeClock(0);
  const relay = new SimOutput({ clock });
  const loop = new SimInput({ clock, debounceMs: 0 });
  const events: BarrierEvent[] = [];
  const barrier = new BarrierController({
    relay,
    vehicleDetector: loop,
    clock,
    config: { openMs: 10_000, closeDelayMs: 1_000, heldOpenMs: 60_000 },
    logger: silentLogger(),
    onEvent: (e) => events.push(e),
  });
  const types = () => events.map((e) => ('reason' in e ? `${e.type}:${e.reason}` : 'source' in e ? `${e.type}:${e.source}` : e.type));
  return { clock, relay, loop, barrier, events, types };
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

test('bad settings and sources are programmer mistakes', () => {
  const clock = new FakeClock(0);
  const make = (config: object) => () =>
    new BarrierController({ relay: new SimOutput({ clock }), vehicleDetector: new SimInput({ clock }), clock, config, logger: silentLogger() });
  assert.throws(make({ openMs: 5 }), /barrier\.openMs/);
  assert.throws(() => make({})().open({ source: 'exit' as 'grant' }), /source/);
});

test.run();
