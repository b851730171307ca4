import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BoardError, boardNames, loadBoard, REQUIRED_ROLES, validateBoard } from '../../board/index.js';

function errorOf(fn: () => unknown): BoardError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, BoardError);
    return err as BoardError;
  }
  throw new Error('expected a BoardError');
}

test('the sim board serves every role, required or optional', () => {
  const sim = loadBoard('sim');
  for (const role of REQUIRED_ROLES) assert.ok(sim.roles[role], role);
  for (const role of ['tamper', 'fireInput', 'cardReader', 'camera', 'statusLed', 'buzzer'] as const) assert.ok(sim.roles[role], role);
  assert.is(sim.roles.doorRelay.contact, 'NC');
});

test('an unknown board fails with one line listing the valid boards', () => {
  const err = errorOf(() => loadBoard('rpi9'));
  assert.is(err.code, 'UNKNOWN_BOARD');
  assert.is(err.message, `unknown board "rpi9"; valid boards: ${boardNames().join(', ')}`);
});

test('a definition missing a needed role names the role', () => {
  const err = errorOf(() =>
    validateBoard({ name: 'half', description: '', roles: { doorRelay: { driver: 'sim', contact: 'NO' }, display: { driver: 'sim' } } }),
  );
  assert.is(err.code, 'MISSING_ROLE');
  assert.match(err.message, /^board "half": missing roles doorContact, exitButton /);
});

test('a role served by an unknown driver is refused with its path', () => {
  const err = errorOf(() => validateBoard({ name: 'odd', description: '', roles: { doorRelay: { driver: 'telepathy', contact: 'NO' } } }));
  assert.is(err.code, 'BOARD_INVALID');
  assert.match(err.message, /^board "odd": roles\.doorRelay\.driver: /);
});

test.run();
