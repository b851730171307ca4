// The door settings' limits are defined once (firmware/door/limits.ts): a config file,
// a fleet config change and the DoorController itself accept a value at each cap, refuse
// one past it, and word the refusal the same way.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, defaultConfig, parseConfig } from '../../../firmware/config/index.js';
import { DOOR_LIMITS, DoorController, resolveDoorConfig, type DoorConfig } from '../../../firmware/door/index.js';
import { CommandError } from '../../../firmware/fleet/errors.js';
import { mergeFleetConfig } from '../../../firmware/fleet/terminal-config.js';
import { silentLogger } from '../../../firmware/log.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { SimOutput } from '../../../hal/sim/output.js';

const base = defaultConfig('door-1', { store: { path: ':memory:' } });
// unlockMs may not exceed maxEnergiseMs: keep the other side out of the way when probing either.
const room = (key: keyof typeof DOOR_LIMITS): Partial<DoorConfig> =>
  key === 'unlockMs' ? { maxEnergiseMs: DOOR_LIMITS.maxEnergiseMs.max } : key === 'maxEnergiseMs' ? { unlockMs: 1 } : {};

function fromFile(door: Partial<DoorConfig>): string | DoorConfig {
  try {
    return parseConfig({ version: 1, terminal: { id: 'door-1' }, door }).door;
  } catch (err) {
    assert.instance(err, ConfigError);
    return (err as ConfigError).message;
  }
}

function fromFleet(door: Partial<DoorConfig>): string | DoorConfig {
  try {
    return mergeFleetConfig(base, { door }).door;
  } catch (err) {
    assert.instance(err, CommandError);
    return (err as CommandError).message;
  }
}

function fromController(door: Partial<DoorConfig>): string | DoorConfig {
  try {
    return resolveDoorConfig(door);
  } catch (err) {
    assert.instance(err, TypeError);
    return (err as TypeError).message;
  }
}

for (const key of Object.keys(DOOR_LIMITS) as (keyof typeof DOOR_LIMITS)[]) {
  const { min, max } = DOOR_LIMITS[key];

  test(`${key}: ${min} and ${max} are accepted by the config file, the fleet and the door alike`, () => {
    for (const value of [min, max]) {
      const door = { ...room(key), [key]: value };
      for (const [path, got] of [['file', fromFile(door)], ['fleet', fromFleet(door)], ['door', fromController(door)]] as const) {
        assert.type(got, 'object', `${path} accepts ${key} = ${value}: ${String(got)}`);
        assert.is((got as DoorConfig)[key], value);
      }
    }
  });

  test(`${key}: ${min - 1} and ${max + 1} are refused by all three with the same message`, () => {
    for (const [value, words] of [
      [min - 1, `door.${key}: Too small: expected number to be >=${min}`],
      [max + 1, `door.${key}: Too big: expected number to be <=${max}`],
    ] as const) {
      const door = { ...room(key), [key]: value };
      assert.is(fromFile(door), words);
      assert.is(fromFleet(door), words);
      assert.is(fromController(door), words);
    }
  });
}

test('the DoorController refuses a setting past its cap, at start and when reconfigured', () => {
  const clock = new FakeClock(0);
  const options = { relay: new SimOutput({ clock }), clock, logger: silentLogger() };
  const tooLong = DOOR_LIMITS.heldOpenMs.max + 1;
  assert.throws(() => new DoorController({ ...options, config: { heldOpenMs: tooLong } }), /^door\.heldOpenMs: Too big/);
  const door = new DoorController(options);
  assert.throws(() => door.reconfigure({ heldOpenMs: tooLong }), /^door\.heldOpenMs: Too big/);
  door.reconfigure({ heldOpenMs: DOOR_LIMITS.heldOpenMs.max });
});

test.run();
