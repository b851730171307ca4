// PINs typed on a reader's keypad reach the access core: keys from an OSDP reader
// (osdp_KEYPAD over a real pty) and from a Wiegand keypad (4- and 8-bit bursts
// through a converter on a real pty) go through the PIN entry into a decision.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadBoard, type BoardDefinition } from '../../../board/index.js';
import { defaultConfig } from '../../../firmware/config/index.js';
import { Terminal } from '../../../firmware/terminal.js';
import type { StoredEvent } from '../../../firmware/store/index.js';
import { systemClock } from '../../../hal/clock.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { Collector } from '../../hal/contracts/util.js';
import { OsdpPdSim } from '../../hal/osdp/pd-sim.js';
import { closePort, openPort, openPtyPair, socatOrSkip, writePort } from '../../hal/serial/pty.js';

type ReaderRole = BoardDefinition['roles']['cardReader'];

/** The sim board with its card reader replaced (pty paths are not /dev paths, so no schema check here). */
function boardWith(cardReader: ReaderRole): BoardDefinition {
  const sim = loadBoard('sim');
  return { ...sim, name: 'sim-with-reader', roles: { ...sim.roles, cardReader } };
}

async function openTerminal(board?: BoardDefinition, clock: typeof systemClock = systemClock) {
  const config = defaultConfig('door-1', { store: { path: ':memory:' }, terminal: { id: 'door-1', name: 'Building A' } });
  const terminal = await Terminal.open({ config, clock, ...(board && { board }) });
  const repo = terminal.access.repository;
  const group = repo.addGroup({ name: 'residents', scheduleId: null });
  repo.addPerson({ id: 'alice', name: 'Alice', groupIds: [group.id] });
  repo.addPin('alice', '4321');
  const decisions = new Collector<StoredEvent>();
  terminal.onEvent((e) => {
    if (e.type === 'access.granted' || e.type === 'access.denied') decisions.push(e);
  });
  return { terminal, decisions };
}

if (socatOrSkip('PIN entry from OSDP and Wiegand keypads over pty pairs')) {
  test('keys typed on an OSDP reader: a wrong PIN is denied, * clears, the right PIN grants Alice', async () => {
    const pair = await openPtyPair();
    const pd = await OsdpPdSim.open(pair.b);
    const { terminal, decisions } = await openTerminal(boardWith({ driver: 'osdp', path: pair.a, baudRate: 9600, address: 0 }));
    try {
      pd.typeKeys('1111#');
      pd.typeKeys('98*4321#');
      const [wrong, right] = await decisions.until(2, 'decisions');
      assert.is(wrong?.type, 'access.denied');
      assert.is(right?.type, 'access.granted');
      assert.is(right?.personId, 'alice');
      assert.is(right?.credentialType, 'pin');
      assert.ok(terminal.board.devices.doorRelay.state, 'the door unlocks');
    } finally {
      await terminal.close();
      await pd.close();
      await pair.close();
    }
  });

  test('keys from a Wiegand keypad, 4-bit and 8-bit bursts through a converter: the PIN grants Alice', async () => {
    const pair = await openPtyPair();
    const converter = await openPort(pair.b, 9600);
    const { terminal, decisions } = await openTerminal(boardWith({ driver: 'wiegand-serial', path: pair.a, baudRate: 9600 }));
    try {
      // 4, 3 as 4-bit keys; 2, 1 as 8-bit keys (complement nibble first); # as a 4-bit 11
      await writePort(converter, '4:4\n4:3\n8:D2\n8:E1\n4:B\n');
      const [granted] = await decisions.until(1, 'a decision');
      assert.is(granted?.type, 'access.granted');
      assert.is(granted?.personId, 'alice');
      assert.is(granted?.credentialType, 'pin');
    } finally {
      await terminal.close();
      await closePort(converter);
      await pair.close();
    }
  });
}

test('a PIN abandoned half-way (the inter-key timeout passes on the clock) is not prefixed to the next one', async () => {
  const clock = new FakeClock();
  const { terminal, decisions } = await openTerminal(undefined, clock);
  try {
    const reader = terminal.board.sim.cardReader;
    if (!reader) throw new Error('sim board without a card reader');
    for (const k of '43') reader.pressKey(k);
    clock.advance(10_000);
    for (const k of '4321#') reader.pressKey(k);
    const [decision] = await decisions.until(1, 'a decision');
    assert.is(decision?.type, 'access.granted', 'the abandoned "43" was dropped');
    for (const k of '4321') reader.pressKey(k);
    clock.advance(9_999);
    reader.pressKey('#');
    const [, second] = await decisions.until(2, 'decisions');
    assert.is(second?.type, 'access.granted', 'keys within the timeout still count');
  } finally {
    await terminal.close();
  }
});

test.run();
