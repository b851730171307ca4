// The terminal wires the sim board's IR camera and illuminator into face recognition when
// face.livenessIr is on: the LED is lit and the IR camera read while face recognition runs,
// dark again once it stops; with the setting off, neither is touched.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../hal/sim/fake-clock.js';
import { defaultConfig } from '../../firmware/config/index.js';
import { Terminal } from '../../firmware/terminal.js';
import { closeSharedEngine, sharedEngine } from './vision/fixtures.js';

async function openTerminal(livenessIr: boolean) {
  const config = defaultConfig('door-1', { store: { path: ':memory:' }, face: { enabled: true, livenessIr: { enabled: livenessIr } } });
  const terminal = await Terminal.open({ config, clock: new FakeClock(), faceEngine: await sharedEngine() });
  const status = await terminal.face!.whenReady();
  assert.is(status.state, 'running', JSON.stringify(status.error));
  return terminal;
}

test('face.livenessIr on: the IR LED is lit and the IR camera delivers to face recognition; both stop with it', async () => {
  const terminal = await openTerminal(true);
  const { irCamera, irLed } = terminal.board.sim;
  assert.ok(irCamera && irLed, 'the sim board has the IR roles');
  assert.is(irLed.state, true, 'the illuminator is on while face recognition runs');
  assert.ok(irCamera.running, 'the IR camera was started');
  await terminal.face!.close();
  assert.is(irLed.state, false, 'dark once face recognition stops');
  await terminal.close();
});

test('face.livenessIr off (the default): the IR LED stays dark and the IR camera is not started', async () => {
  const terminal = await openTerminal(false);
  const { irCamera, irLed } = terminal.board.sim;
  assert.is(irLed!.state, false);
  assert.not.ok(irCamera!.running, 'the IR camera was not started');
  await terminal.close();
});

test.after(closeSharedEngine);
test.run();
