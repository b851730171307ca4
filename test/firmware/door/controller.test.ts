import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DoorController, type DoorEvent } from '../../../firmware/door/index.js';
import { silentLogger } from '../../../firmware/log.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { SimOutput } from '../../../hal/sim/output.js';
import { DEBOUNCE_MS, rig } from './rig.js';

test('a grant energises the relay for unlockMs, then releases it', async () => {
  const r = rig({ config: { unlockMs: 5_000 } });
  r.door.grant({ source: 'grant' });
  assert.is(r.relay.state, true);
  assert.equal(r.door.state, {
    locked: false,
    open: false,
    relayActive: true,
    fireActive: false,
    tamperActive: false,
    alarms: [],
    unlockedUntil: r.clock.now() + 5_000,
  });
  r.clock.advance(4_999);
  assert.is(r.relay.state, true);
  r.clock.advance(1);
  assert.is(r.relay.state, false);
  assert.is(r.door.state.locked, true);
  assert.equal(r.relayLog(), [
    [true, 0],
    [false, 5_000],
  ]);
  assert.equal(r.events, [
    { type: 'door.unlocked', at: r.clock.now() - 5_000, source: 'grant' },
    { type: 'door.locked', at: r.clock.now(), reason: 'timeout' },
  ]);
  await r.close();
});

test('a grant may ask for its own duration; remote unlocks say so', async () => {
  const r = rig();
  r.door.grant({ durationMs: 12_000, source: 'remote' });
  r.clock.advance(12_000);
  assert.equal(r.relayLog(), [
    [true, 0],
    [false, 12_000],
  ]);
  assert.equal(r.events[0], { type: 'door.unlocked', at: r.clock.now() - 12_000, source: 'remote' });
  await r.close();
});

test('a second grant while unlocked extends the unlock without a second unlocked event', async () => {
  const r = rig({ config: { unlockMs: 5_000, maxEnergiseMs: 30_000 } });
  r.door.grant({ source: 'grant' });
  r.clock.advance(3_000);
  r.door.grant({ source: 'grant' });
  r.clock.advance(4_999);
  assert.is(r.relay.state, true);
  r.clock.advance(1);
  assert.equal(r.relayLog(), [
    [true, 0],
    [false, 8_000],
  ]);
  assert.equal(r.types(), ['door.unlocked', 'door.locked']);
  await r.close();
});

test('a shorter grant never shortens the unlock in progress', async () => {
  const r = rig();
  r.door.grant({ durationMs: 10_000, source: 'remote' });
  r.clock.advance(1_000);
  r.door.grant({ durationMs: 1_000, source: 'grant' });
  r.clock.advance(9_000);
  assert.equal(r.relayLog(), [
    [true, 0],
    [false, 10_000],
  ]);
  await r.close();
});

test('extensions stop at maxEnergiseMs of continuous unlock; the state machine relocks, the guard never has to', async () => {
  const r = rig({ config: { unlockMs: 5_000, maxEnergiseMs: 12_000 } });
  r.door.grant({ source: 'grant' });
  for (let i = 0; i < 5; i++) {
    r.clock.advance(4_000);
    r.door.grant({ source: 'grant' });
  }
  r.clock.advance(10_000);
  assert.equal(r.relayLog().slice(0, 2), [
    [true, 0],
    [false, 12_000],
  ]);
  assert.ok(!r.types().includes('alarm.relay-max-energise'));
  assert.ok(r.events.some((e) => e.type === 'door.locked' && e.reason === 'timeout'));
  await r.close();
});

test('durationMs beyond maxEnergiseMs is capped', async () => {
  const r = rig({ config: { maxEnergiseMs: 20_000 } });
  r.door.grant({ durationMs: 3_600_000, source: 'remote' });
  r.clock.advance(60_000);
  assert.equal(r.relayLog(), [
    [true, 0],
    [false, 20_000],
  ]);
  await r.close();
});

test('the exit button unlocks without an alarm, and opening within the window is not forced', async () => {
  const r = rig({ config: { unlockMs: 5_000 } });
  r.pressExit();
  assert.is(r.relay.state, true);
  r.clock.advance(1_000);
  r.open();
  r.clock.advance(2_000);
  r.shut();
  r.clock.advance(10_000);
  assert.equal(r.types(), ['door.exit-request', 'door.unlocked', 'door.opened', 'door.closed', 'door.locked']);
  assert.equal(r.events[0], { type: 'door.exit-request', at: r.events[0]?.at as number, unlocks: true });
  assert.equal(r.events[1], { type: 'door.unlocked', at: r.events[1]?.at as number, source: 'exit' });
  assert.equal(r.door.state.alarms, []);
  await r.close();
});

test('an exit button that does not unlock still excuses one opening within unlockMs', async () => {
  const r = rig({ config: { exitButtonUnlocks: false, unlockMs: 5_000 } });
  r.pressExit();
  assert.is(r.relay.state, false);
  assert.equal(r.relay.history, []);
  r.clock.advance(1_000);
  r.open();
  r.shut();
  r.open(); // a second opening is not covered
  assert.equal(r.types(), ['door.exit-request', 'door.opened', 'door.closed', 'door.opened', 'alarm.forced-open']);
  assert.equal(r.events[0], { type: 'door.exit-request', at: r.events[0]?.at as number, unlocks: false });
  await r.close();
});

test('an exit request that has expired does not excuse an opening', async () => {
  const r = rig({ config: { exitButtonUnlocks: false, unlockMs: 5_000 } });
  r.pressExit();
  r.clock.advance(5_000);
  r.open();
  assert.ok(r.types().includes('alarm.forced-open'));
  await r.close();
});

test('a stuck exit button unlocks once, then the door relocks', async () => {
  const r = rig({ config: { unlockMs: 5_000 } });
  r.hold(r.exitButton, true);
  r.clock.advance(120_000);
  assert.equal(r.relayLog(), [
    [true, DEBOUNCE_MS],
    [false, DEBOUNCE_MS + 5_000],
  ]);
  await r.close();
});

test('forced open: the contact opens while locked with no grant and no exit request', async () => {
  const r = rig();
  r.open();
  assert.equal(r.types(), ['door.opened', 'alarm.forced-open']);
  assert.equal(r.door.state.alarms, ['forced-open']);
  assert.is(r.relay.history.length, 0, 'the relay was never touched');
  r.shut();
  assert.equal(r.types(2), ['door.closed', 'alarm.forced-open-cleared']);
  assert.equal(r.door.state.alarms, []);
  await r.close();
});

test('opening right after the unlock ran out is forced', async () => {
  const r = rig({ config: { unlockMs: 5_000 } });
  r.door.grant({ source: 'grant' });
  r.clock.advance(5_000);
  r.open();
  assert.equal(r.types(), ['door.unlocked', 'door.locked', 'door.opened', 'alarm.forced-open']);
  await r.close();
});

test('opening during a grant is not forced; relockOnOpen relocks at once', async () => {
  const stay = rig({ config: { unlockMs: 5_000 } });
  stay.door.grant({ source: 'grant' });
  stay.clock.advance(1_000);
  stay.open();
  assert.is(stay.relay.state, true, 'relockOnOpen off: stays unlocked for unlockMs');
  assert.equal(stay.types(), ['door.unlocked', 'door.opened']);
  await stay.close();

  const relock = rig({ config: { unlockMs: 5_000, relockOnOpen: true } });
  relock.door.grant({ source: 'grant' });
  relock.clock.advance(1_000);
  relock.open();
  assert.is(relock.relay.state, false);
  assert.equal(relock.types(), ['door.unlocked', 'door.opened', 'door.locked']);
  assert.equal(relock.events[2], { type: 'door.locked', at: relock.clock.now(), reason: 'opened' });
  assert.equal(relock.relayLog(), [
    [true, 0],
    [false, 1_000 + DEBOUNCE_MS],
  ]);
  relock.shut();
  assert.equal(relock.door.state.alarms, []);
  await relock.close();
});

test('held open longer than heldOpenMs raises an alarm that clears when the door closes', async () => {
  const r = rig({ config: { heldOpenMs: 30_000 } });
  r.door.grant({ source: 'grant' });
  r.open();
  r.clock.advance(29_999);
  assert.ok(!r.types().includes('alarm.held-open'));
  r.clock.advance(1);
  const held = r.events.find((e) => e.type === 'alarm.held-open');
  assert.equal(held, { type: 'alarm.held-open', at: r.clock.now(), openMs: 30_000 });
  assert.equal(r.door.state.alarms, ['held-open']);
  r.clock.advance(10_000);
  assert.is(r.types().filter((t) => t === 'alarm.held-open').length, 1, 'raised once');
  r.shut();
  assert.equal(r.types().slice(-2), ['door.closed', 'alarm.held-open-cleared']);
  assert.equal(r.events.at(-1), { type: 'alarm.held-open-cleared', at: r.clock.now(), openMs: 40_000 + DEBOUNCE_MS });
  assert.equal(r.door.state.alarms, []);
  await r.close();
});

test('a door closed before heldOpenMs raises nothing; a forced door held open raises both alarms', async () => {
  const r = rig({ config: { heldOpenMs: 10_000 } });
  r.door.grant({ source: 'grant' });
  r.open();
  r.clock.advance(9_000);
  r.shut();
  r.clock.advance(60_000);
  assert.equal(r.types(), ['door.unlocked', 'door.opened', 'door.locked', 'door.closed']);
  const from = r.events.length;
  r.open();
  r.clock.advance(10_000);
  assert.equal(r.types(from), ['door.opened', 'alarm.forced-open', 'alarm.held-open']);
  assert.equal(r.door.state.alarms, ['forced-open', 'held-open']);
  r.shut();
  assert.equal(r.types(from + 3), ['door.closed', 'alarm.held-open-cleared', 'alarm.forced-open-cleared']);
  await r.close();
});

test('fail-safe: the fire input unlocks and holds the door unlocked until it clears, past maxEnergiseMs', async () => {
  const r = rig({ config: { lock: 'fail-safe', maxEnergiseMs: 30_000 } });
  r.hold(r.fire, true);
  assert.is(r.relay.state, true);
  assert.equal(r.types(), ['fire.release', 'door.unlocked']);
  assert.equal(r.events[0], { type: 'fire.release', at: r.clock.now(), doorReleased: true });
  assert.equal(r.events[1], { type: 'door.unlocked', at: r.clock.now(), source: 'fire' });
  assert.is(r.door.state.fireActive, true);
  assert.is(r.door.state.unlockedUntil, null);
  r.door.grant({ source: 'grant' }); // nothing to add
  r.pressExit();
  r.clock.advance(10 * 60_000);
  assert.is(r.relay.state, true, 'still unlocked after 10 minutes');
  r.hold(r.fire, false);
  assert.is(r.relay.state, false);
  const tail = r.types().slice(-2);
  assert.equal(tail, ['fire.cleared', 'door.locked']);
  assert.equal(r.events.at(-1), { type: 'door.locked', at: r.clock.now(), reason: 'fire-cleared' });
  assert.ok(!r.types().includes('alarm.relay-max-energise'));
  assert.equal(r.relay.history.length, 2, 'one continuous release');
  r.clock.advance(60_000);
  assert.ok(!r.types().includes('alarm.relay-max-energise'), 'no late cut after the fire');
  await r.close();
});

test('fail-safe: a fire during a grant takes over the unlock; the grant timer does not relock', async () => {
  const r = rig({ config: { unlockMs: 5_000 } });
  r.door.grant({ source: 'grant' });
  r.clock.advance(1_000);
  r.hold(r.fire, true);
  r.clock.advance(60_000);
  assert.is(r.relay.state, true);
  assert.equal(r.types(), ['door.unlocked', 'fire.release']);
  r.hold(r.fire, false);
  assert.equal(r.types().slice(-2), ['fire.cleared', 'door.locked']);
  await r.close();
});

test('fail-secure: the fire is reported but the door stays locked; grants and exit still work', async () => {
  const r = rig({ config: { lock: 'fail-secure', unlockMs: 5_000 } });
  r.hold(r.fire, true);
  assert.is(r.relay.state, false);
  assert.equal(r.events, [{ type: 'fire.release', at: r.clock.now(), doorReleased: false }]);
  assert.is(r.door.state.fireActive, true);
  r.pressExit();
  assert.is(r.relay.state, true);
  r.clock.advance(5_000);
  assert.is(r.relay.state, false);
  r.hold(r.fire, false);
  assert.equal(r.types().at(-1), 'fire.cleared');
  assert.is(r.door.state.fireActive, false);
  await r.close();
});

test('no held-open alarm while the fire input is active; the timer restarts when it clears', async () => {
  const r = rig({ config: { heldOpenMs: 10_000 } });
  r.hold(r.fire, true);
  r.open();
  r.clock.advance(60_000);
  assert.ok(!r.types().includes('alarm.held-open'));
  r.hold(r.fire, false);
  r.clock.advance(10_000);
  assert.ok(r.types().includes('alarm.held-open'));
  await r.close();
});

test('tamper raises an alarm and clears it', async () => {
  const r = rig();
  r.hold(r.tamper, true);
  assert.equal(r.events, [{ type: 'alarm.tamper', at: r.clock.now() }]);
  assert.equal(r.door.state.alarms, ['tamper']);
  assert.is(r.door.state.tamperActive, true);
  r.hold(r.tamper, false);
  assert.equal(r.events.at(-1), { type: 'alarm.tamper-cleared', at: r.clock.now() });
  assert.equal(r.door.state.alarms, []);
  await r.close();
});

test('a tamper glitch shorter than the debounce is not an alarm', async () => {
  const r = rig();
  await Promise.all([r.tamper.bounce([true, false], DEBOUNCE_MS / 2), r.clock.advance(100)]);
  assert.equal(r.events, []);
  await r.close();
});

test('starting levels: fire and tamper act at once, an open door is not forced but can be held open', async () => {
  const r = rig({ initial: { fire: true, tamper: true, contact: true }, config: { heldOpenMs: 10_000 } });
  assert.equal(r.types(), ['fire.release', 'door.unlocked', 'alarm.tamper']);
  assert.is(r.relay.state, true);
  assert.equal(r.door.state.open, true);
  r.hold(r.fire, false);
  r.clock.advance(10_000);
  assert.ok(r.types().includes('alarm.held-open'));
  assert.ok(!r.types().includes('alarm.forced-open'));
  await r.close();
});

test('close de-energises, cancels timers, ignores later input and leaves the devices open', async () => {
  const r = rig();
  r.door.grant({ source: 'grant' });
  r.open();
  await r.door.close();
  assert.is(r.relay.state, false);
  assert.is(r.relay.isClosed, false);
  assert.is(r.clock.pendingTimers, 0);
  const count = r.events.length;
  r.door.grant({ source: 'grant' });
  r.hold(r.tamper, true);
  r.shut();
  r.clock.advance(60_000);
  assert.is(r.events.length, count);
  assert.is(r.relay.state, false);
  await r.door.close();
  await r.close();
});

test('a handler that throws does not stop the door; handlers may grant from inside a handler', async () => {
  const r = rig({ config: { exitButtonUnlocks: false } });
  r.door.onEvent(() => {
    throw new Error('bad subscriber');
  });
  const seen: DoorEvent['type'][] = [];
  const off = r.door.onEvent((e) => {
    seen.push(e.type);
    if (e.type === 'door.exit-request') r.door.grant({ source: 'remote' });
  });
  r.pressExit();
  assert.equal(seen, ['door.exit-request', 'door.unlocked']);
  assert.is(r.relay.state, true);
  off();
  r.clock.advance(60_000);
  assert.equal(seen, ['door.exit-request', 'door.unlocked']);
  assert.equal(r.types(), ['door.exit-request', 'door.unlocked', 'door.locked']);
  await r.close();
});

test('bad grants and bad config are programmer mistakes: TypeError', async () => {
  const r = rig();
  assert.throws(() => r.door.grant({ source: 'grant', durationMs: 0 }), TypeError);
  assert.throws(() => r.door.grant({ source: 'grant', durationMs: Number.NaN }), TypeError);
  assert.throws(() => r.door.grant({ source: 'card' as 'grant' }), TypeError);
  assert.is(r.relay.history.length, 0);
  await r.close();
  const clock = new FakeClock();
  const relay = new SimOutput({ clock });
  assert.throws(
    () => new DoorController({ relay, clock, logger: silentLogger(), config: { unlockMs: 40_000, maxEnergiseMs: 30_000 } }),
    /^door\.unlockMs: unlockMs must not exceed maxEnergiseMs$/,
  );
});

test('works with only a relay (no contact, exit, fire or tamper wired)', async () => {
  const clock = new FakeClock(0);
  const relay = new SimOutput({ clock });
  const door = new DoorController({ relay, clock, logger: silentLogger() });
  door.grant({ source: 'grant' });
  clock.advance(5_000);
  assert.equal(relay.history, [
    { active: true, at: 0 },
    { active: false, at: 5_000 },
  ]);
  assert.is(door.state.open, false);
  await door.close();
});

test('an energised relay left over from before start is released', async () => {
  const clock = new FakeClock(0);
  const relay = new SimOutput({ clock });
  await relay.set(true);
  const door = new DoorController({ relay, clock, logger: silentLogger() });
  assert.is(relay.state, false);
  assert.is(door.state.locked, true);
  await door.close();
});

test('reconfigure: a new unlockMs applies to the next grant and exit press', async () => {
  const r = rig({ config: { unlockMs: 5_000 } });
  r.door.reconfigure({ unlockMs: 2_000 });
  r.door.grant({ source: 'grant' });
  assert.is(r.door.state.unlockedUntil, r.clock.now() + 2_000);
  r.clock.advance(2_000);
  assert.is(r.relay.state, false);
  r.pressExit(); // the press registers one debounce before the release does
  assert.is(r.door.state.unlockedUntil, r.clock.now() - DEBOUNCE_MS + 2_000);
  await r.close();
});

test('reconfigure: a door already open is held to the new heldOpenMs from when it opened', async () => {
  const r = rig({ config: { heldOpenMs: 30_000 } });
  r.door.grant({ source: 'grant' });
  r.open();
  r.clock.advance(5_000);
  r.door.reconfigure({ heldOpenMs: 8_000 });
  r.clock.advance(2_999);
  assert.ok(!r.types().includes('alarm.held-open'));
  r.clock.advance(1);
  assert.equal(r.events.find((e) => e.type === 'alarm.held-open'), { type: 'alarm.held-open', at: r.clock.now(), openMs: 8_000 });
  await r.close();
});

test('reconfigure: a lower maxEnergiseMs relocks the unlock under way without a relay cut', async () => {
  const r = rig({ config: { unlockMs: 20_000, maxEnergiseMs: 30_000 } });
  r.door.grant({ source: 'grant' });
  r.clock.advance(6_000);
  r.door.reconfigure({ unlockMs: 5_000, maxEnergiseMs: 10_000 });
  r.clock.advance(3_999);
  assert.is(r.relay.state, true);
  r.clock.advance(1);
  assert.is(r.relay.state, false);
  assert.equal(r.types(), ['door.unlocked', 'door.locked']);
  assert.equal(r.door.state.alarms, []);
  await r.close();
});

test('reconfigure refuses a bad value or a lock change and keeps the settings in force', async () => {
  const r = rig({ config: { unlockMs: 5_000 } });
  assert.throws(() => r.door.reconfigure({ unlockMs: -1 }), /unlockMs/);
  assert.throws(() => r.door.reconfigure({ lock: 'fail-secure' }), /lock/);
  r.door.grant({ source: 'grant' });
  assert.is(r.door.state.unlockedUntil, r.clock.now() + 5_000);
  await r.close();
});

test.run();
