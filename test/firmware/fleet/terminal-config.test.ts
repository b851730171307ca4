// Fleet configuration over the terminal config: merge, schema validation with
// `path: message` refusals, live settings only, and the fleet section of the schema.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, defaultConfig, parseConfig } from '../../../firmware/config/index.js';
import { CommandError } from '../../../firmware/fleet/index.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerminalConfigHandler, deepMerge, fleetView, mergeFleetConfig, storedFleetConfig } from '../../../firmware/fleet/terminal-config.js';
import { Store } from '../../../firmware/store/index.js';

const base = defaultConfig('door-1', { store: { path: ':memory:' } });

function refusal(fn: () => unknown): CommandError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, CommandError);
    return err as CommandError;
  }
  throw new Error('expected a refusal');
}

test('deepMerge merges objects key by key and replaces everything else', () => {
  assert.equal(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 }), { a: { b: 1, c: [3] }, d: 1, e: 2 });
});

test("deepMerge ignores a __proto__ key in a document instead of making it the merged config's prototype", () => {
  const document = JSON.parse('{"__proto__": {"polluted": true}, "door": {"unlockMs": 2500}}') as Record<string, unknown>;
  const merged = deepMerge({ door: { unlockMs: 3000, heldOpenMs: 30000 } }, document);
  assert.equal(merged, { door: { unlockMs: 2500, heldOpenMs: 30000 } });
  assert.is(Object.getPrototypeOf(merged), Object.prototype);
  assert.not.ok('polluted' in merged);
});

test('live settings apply; the result is a validated config', () => {
  const next = mergeFleetConfig(base, { door: { unlockMs: 2500 }, terminal: { name: 'Lobby' } });
  assert.is(next.door.unlockMs, 2500);
  assert.is(next.terminal.name, 'Lobby');
  assert.is(next.door.heldOpenMs, base.door.heldOpenMs);
  assert.equal(fleetView(next), { terminal: { name: 'Lobby' }, door: next.door });
});

test('schema problems are refused as CONFIG_REJECTED with path: message', () => {
  const bad = refusal(() => mergeFleetConfig(base, { door: { unlockMs: 'soon' } }));
  assert.is(bad.code, 'CONFIG_REJECTED');
  assert.match(bad.message, /^door\.unlockMs: /);
  const over = refusal(() => mergeFleetConfig(base, { door: { unlockMs: 40_000 } }));
  assert.match(over.message, /^door\.unlockMs: unlockMs must not exceed maxEnergiseMs/);
  const unknown = refusal(() => mergeFleetConfig(base, { door: { colour: 'red' } }));
  assert.match(unknown.message, /^door: /);
});

test('settings that need a restart are refused, unchanged values are fine', () => {
  const lock = refusal(() => mergeFleetConfig(base, { door: { lock: 'fail-secure' } }));
  assert.is(lock.message, 'door.lock: cannot be changed remotely while the terminal runs');
  assert.is(mergeFleetConfig(base, { door: { heldOpenMs: 1000, relockOnOpen: true } }).door.heldOpenMs, 1000);
  const id = refusal(() => mergeFleetConfig(base, { terminal: { id: 'other' } }));
  assert.match(id.message, /^terminal\.id: cannot be changed remotely/);
  assert.is(mergeFleetConfig(base, { door: { ...base.door } }).door.unlockMs, base.door.unlockMs);
});

test('the fleet section is optional and validated', () => {
  assert.is(base.fleet, undefined);
  const withFleet = defaultConfig('door-1', { fleet: { url: 'mqtts://broker.example:8883', tls: { ca: 'ca.pem' } } });
  assert.equal(withFleet.fleet, { url: 'mqtts://broker.example:8883', groups: [], tls: { ca: 'ca.pem' }, protocolVersion: 4, healthIntervalMs: 30_000, clockSkewMs: 5000 });
  const issue = (fleet: unknown) => {
    try {
      parseConfig({ version: 1, terminal: { id: 'd' }, fleet });
    } catch (err) {
      assert.instance(err, ConfigError);
      return (err as Error).message;
    }
    return 'accepted';
  };
  assert.match(issue({ url: 'http://x' }), /^fleet\.url: /);
  assert.match(issue({ url: 'mqtt://x', tls: { cert: 'c.pem' } }), /^fleet\.tls\.cert: cert and key go together/);
  assert.match(issue({ url: 'mqtt://x', healthIntervalMs: 10 }), /^fleet\.healthIntervalMs: /);
  assert.match(issue({ url: 'mqtt://x', site: 'no spaces' }), /^fleet\.site: /);
});

test('the handler writes the file (keeping what the operator wrote), remembers, then applies; a file it cannot write changes nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-fleet-config-'));
  const store = Store.open({ path: ':memory:', terminalId: 'door-1' });
  try {
    const file = join(dir, 'limen.config.json');
    writeFileSync(file, JSON.stringify({ version: 1, terminal: { id: 'door-1' }, panel: { port: 9000 } }));
    let current = base;
    const applied: number[] = [];
    const handler = new TerminalConfigHandler({ store, current: () => current, apply: (next) => ((current = next), applied.push(next.door.unlockMs)), configPath: file });
    assert.equal(handler.current(), { version: 0, config: fleetView(base) });
    const reported = handler.apply({ door: { unlockMs: 1500 } }, 4);
    assert.is((reported as { door: { unlockMs: number } }).door.unlockMs, 1500);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')), { version: 1, terminal: { id: 'door-1' }, panel: { port: 9000 }, door: { unlockMs: 1500 } });
    assert.equal(storedFleetConfig(store), { version: 4, document: { door: { unlockMs: 1500 } } });
    assert.equal(applied, [1500]);

    const broken = new TerminalConfigHandler({ store, current: () => current, apply: () => applied.push(-1), configPath: join(dir, 'no', 'such', 'file.json') });
    const err = refusal(() => broken.apply({ door: { unlockMs: 2000 } }, 5));
    assert.is(err.code, 'INTERNAL');
    assert.match(err.message, /cannot update the config file \(ENOENT\); nothing was changed$/);
    assert.is(storedFleetConfig(store)?.version, 4);
    assert.equal(applied, [1500]);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
