import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../hal/sim/fake-clock.js';
import { defaultConfig } from '../../firmware/config/index.js';
import { Terminal } from '../../firmware/terminal.js';

async function openTerminal(clock = new FakeClock()) {
  const config = defaultConfig('door-1', { store: { path: ':memory:' }, terminal: { id: 'door-1', name: 'Building A' } });
  const terminal = await Terminal.open({ config, clock });
  const sim = terminal.board.sim;
  if (!sim.cardReader || !sim.doorRelay || !sim.doorContact || !sim.exitButton || !sim.fireInput || !sim.display) throw new Error('sim board incomplete');
  const repo = terminal.access.repository;
  const group = repo.addGroup({ name: 'residents', scheduleId: null });
  repo.addPerson({ id: 'alice', name: 'Alice', groupIds: [group.id] });
  repo.addCard('alice', '1234567');
  return { terminal, clock, sim: { ...sim, cardReader: sim.cardReader, doorRelay: sim.doorRelay, doorContact: sim.doorContact, exitButton: sim.exitButton, fireInput: sim.fireInput, display: sim.display } };
}

/** Lets the promise chain a reader callback started run to its end. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

test('a known card presented at the reader unlocks the door, shows the name and logs one event', async () => {
  const { terminal, clock, sim } = await openTerminal();
  sim.cardReader.present('1234567');
  await settle();
  assert.ok(sim.doorRelay.state, 'relay energised');
  assert.equal(sim.display.current, { mode: 'granted', title: 'Alice', detail: 'Access granted' });
  const [event] = terminal.store.events.query({ type: 'access.granted' });
  assert.is(event?.personId, 'alice');
  assert.is(event?.credentialRef, '1234567');
  clock.advance(5_000);
  assert.not.ok(sim.doorRelay.state, 'relay released after unlockMs');
  assert.is(sim.display.current.mode, 'idle');
  await terminal.close();
});

test('an unknown card is denied with a reason and the door stays locked', async () => {
  const { terminal, sim } = await openTerminal();
  sim.cardReader.present('999');
  await settle();
  assert.not.ok(sim.doorRelay.state);
  assert.equal(sim.display.current, { mode: 'denied', title: 'Access denied', detail: 'Unknown card', reason: 'unknown-credential' });
  const [event] = terminal.store.events.query({ result: 'denied' });
  assert.is(event?.reason, 'unknown-credential');
  await terminal.close();
});

test('an unreadable card frame is logged and the terminal keeps working', async () => {
  const { terminal, sim } = await openTerminal();
  sim.cardReader.present('12ab34');
  await settle();
  const [bad] = terminal.store.events.query({ type: 'reader.bad-frame' });
  assert.is(bad?.reason, 'BAD_FRAME');
  sim.cardReader.present('1234567');
  await settle();
  assert.ok(sim.doorRelay.state);
  await terminal.close();
});

test('door alarms and fire become stored events', async () => {
  const { terminal, clock, sim } = await openTerminal();
  sim.doorContact.press();
  clock.advance(100);
  assert.is(terminal.store.events.query({ type: 'alarm.forced-open' }).length, 1);
  sim.fireInput.press();
  clock.advance(100);
  assert.ok(sim.doorRelay.state, 'fail-safe door released by fire');
  assert.is(sim.display.current.mode, 'alert');
  assert.is(terminal.store.events.query({ type: 'fire.release' }).length, 1);
  sim.fireInput.release();
  clock.advance(100);
  assert.not.ok(sim.doorRelay.state);
  assert.is(terminal.store.events.query({ type: 'fire.cleared' }).length, 1);
  await terminal.close();
});

test('the exit button unlocks without an alarm', async () => {
  const { terminal, clock, sim } = await openTerminal();
  sim.exitButton.press();
  clock.advance(50);
  sim.exitButton.release();
  sim.doorContact.press();
  clock.advance(100);
  assert.ok(sim.doorRelay.state);
  assert.is(terminal.store.events.query({ type: 'alarm.forced-open' }).length, 0);
  assert.is(terminal.store.events.query({ type: 'door.exit-request' }).length, 1);
  await terminal.close();
});

test('display subscribers see each render, including the return to idle', async () => {
  const { terminal, clock, sim } = await openTerminal();
  const modes: string[] = [];
  const off = terminal.onDisplay((state) => modes.push(state.mode));
  sim.cardReader.present('1234567');
  await settle();
  clock.advance(5_000);
  await settle();
  off();
  assert.equal(modes, ['granted', 'idle']);
  await terminal.close();
});

test.run();
