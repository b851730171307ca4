import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, defaultConfig, describeConfigError, loadConfigFile, parseConfigText } from '../../../firmware/config/index.js';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

test('defaults fill every section of a minimal config', () => {
  const cfg = parseConfigText('{"version":1,"terminal":{"id":"gate-1"}}');
  assert.is(cfg.terminal.id, 'gate-1');
  assert.is(cfg.board, 'sim');
  assert.is(cfg.door.unlockMs, 5_000);
  assert.is(cfg.store.maxEvents, 1_000_000);
  assert.equal(defaultConfig('gate-1'), cfg);
});

test('a wrong type names its path on one line', () => {
  const err = errorOf(() => parseConfigText('{"version":1,"terminal":{"id":"t"},"door":{"unlockMs":"5s"}}'));
  assert.is(err.code, 'CONFIG_INVALID');
  assert.match(err.message, /^door\.unlockMs: /);
  assert.not.match(err.message, /\n/);
});

test('unknown keys, bad time zones and cross-field rules are rejected', () => {
  assert.match(errorOf(() => parseConfigText('{"version":1,"terminal":{"id":"t"},"dor":{}}')).message, /^config: .*"dor"/);
  assert.match(errorOf(() => parseConfigText('{"version":1,"terminal":{"id":"t","timeZone":"Mars/Olympus"}}')).message, /^terminal\.timeZone: must be an IANA time zone/);
  assert.match(
    errorOf(() => parseConfigText('{"version":1,"terminal":{"id":"t"},"door":{"unlockMs":60000,"maxEnergiseMs":1000}}')).message,
    /^door\.unlockMs: unlockMs must not exceed maxEnergiseMs/,
  );
});

test('version is required, and newer versions are refused with their number', () => {
  assert.is(errorOf(() => parseConfigText('{"terminal":{"id":"t"}}')).code, 'CONFIG_VERSION');
  assert.match(errorOf(() => parseConfigText('{"version":7,"terminal":{"id":"t"}}')).message, /^version: 7 is newer/);
});

test('malformed JSON and missing files name the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-config-'));
  try {
    const file = join(dir, 'limen.json');
    writeFileSync(file, '{"version":1,');
    const parse = errorOf(() => loadConfigFile(file));
    assert.is(parse.code, 'CONFIG_PARSE');
    assert.ok(parse.message.startsWith(`${file}: not valid JSON`));
    assert.is(errorOf(() => loadConfigFile(join(dir, 'nope.json'))).code, 'CONFIG_NOT_FOUND');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every problem is reported at once, cross-field rules included', () => {
  const err = errorOf(() =>
    parseConfigText(
      JSON.stringify({
        version: 1,
        terminal: { id: 't', timeZone: 'Mars/Olympus' },
        door: { unlockMs: 60_000, maxEnergiseMs: 1_000, colour: 'red' },
        face: { enabled: 'yes' },
        passes: { enabled: true },
        dor: {},
      }),
      'site.json',
    ),
  );
  assert.is(err.code, 'CONFIG_INVALID');
  assert.equal([...err.issues].sort(), [
    'config: Unrecognized key: "dor"',
    'door.unlockMs: unlockMs must not exceed maxEnergiseMs',
    'door: Unrecognized key: "colour"',
    'face.enabled: Invalid input: expected boolean, received string',
    'passes.enabled: visitor passes need the fleet signing keys: set fleet.trustedKeys',
    'terminal.timeZone: must be an IANA time zone such as "Europe/Berlin"',
  ]);
  assert.is(err.message, err.issues[0]);
  const text = describeConfigError(err).split('\n');
  assert.is(text[0], '6 problems in site.json:');
  assert.equal(text.slice(1), err.issues.map((issue) => `  ${issue}`));
});

test('a cross-field rule does not speak about a field that is itself wrong', () => {
  const err = errorOf(() => parseConfigText('{"version":1,"terminal":{"id":"t"},"door":{"unlockMs":"5s","maxEnergiseMs":1000}}'));
  assert.equal(err.issues, ['door.unlockMs: Invalid input: expected number, received string']);
  assert.is(describeConfigError(err), err.message);
});

test('a missing version is reported with the other problems', () => {
  const err = errorOf(() => parseConfigText('{"terminal":{"id":"t"},"door":{"unlockMs":"soon"}}'));
  assert.is(err.code, 'CONFIG_VERSION');
  assert.equal(err.issues, ['version: missing (this firmware reads version 1)', 'door.unlockMs: Invalid input: expected number, received string']);
});

test.run();
