import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_DOOR_CONFIG, resolveDoorConfig } from '../../../firmware/door/config.js';

test('defaults fill what is missing', () => {
  assert.equal(resolveDoorConfig(), {
    unlockMs: 5_000,
    maxEnergiseMs: 30_000,
    heldOpenMs: 30_000,
    relockOnOpen: false,
    lock: 'fail-safe',
    exitButtonUnlocks: true,
  });
  assert.equal(resolveDoorConfig({ relockOnOpen: true, lock: 'fail-secure' }), {
    ...DEFAULT_DOOR_CONFIG,
    relockOnOpen: true,
    lock: 'fail-secure',
  });
});

test('every problem is named as path: message in one TypeError', () => {
  try {
    resolveDoorConfig({ unlockMs: 0, heldOpenMs: 1.5, lock: 'open' as 'fail-safe', relockOnOpen: 'yes' as unknown as boolean, colour: 'red' } as never);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, TypeError);
    const message = (error as Error).message;
    for (const part of ['door: Unrecognized key: "colour"', 'door.unlockMs: Too small', 'door.heldOpenMs: Invalid input: expected int', 'door.relockOnOpen: Invalid input: expected boolean', 'door.lock: Invalid option']) {
      assert.ok(message.includes(part), `${part} in ${message}`);
    }
  }
});

test('unlockMs may not exceed maxEnergiseMs', () => {
  assert.throws(() => resolveDoorConfig({ unlockMs: 31_000 }), /^door\.unlockMs: unlockMs must not exceed maxEnergiseMs$/);
  assert.is(resolveDoorConfig({ unlockMs: 30_000 }).unlockMs, 30_000);
});

test.run();
