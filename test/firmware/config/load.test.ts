import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, defaultConfig, loadConfigFile, parseConfigText } from '../../../firmware/config/index.js';

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

test.run();
