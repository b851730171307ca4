// One id grammar and one display-name rule, shared by the wire schemas, the terminal's
// access layer and the CLI: a value one side takes, the other takes too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AccessError, AccessRepository } from '../../firmware/access/index.js';
import { newPersonSchema } from '../../firmware/access/inputs.js';
import { generateId } from '../../firmware/access/repository.js';
import { Store } from '../../firmware/store/index.js';
import { defaultConfig } from '../../firmware/config/index.js';
import { commandSchemas, displayName, displayNameProblem, escapeUnsafeText, isValidId, personId, personRecord } from '../../sdk/src/protocol/index.js';

const ids = ['a', 'emp-1042', 'door_1', 'ada.lovelace', '9', 'x'.repeat(64)];
const badIds = ['', '-flag', '_fleet', '.hidden', 'has space', 'ümlaut', 'a/b', 'a+b', 'x'.repeat(65), 'x'.repeat(128)];

test('the wire and the terminal agree on every id', () => {
  const store = Store.open({ path: ':memory:', terminalId: 't1' });
  const repo = new AccessRepository(store);
  for (const id of ids) {
    assert.ok(personId.safeParse(id).success, `wire takes ${id}`);
    assert.ok(isValidId(id));
    assert.is(repo.addPerson({ id, name: 'N' }).id, id);
  }
  for (const id of badIds) {
    assert.not.ok(personId.safeParse(id).success, `wire refuses ${JSON.stringify(id)}`);
    assert.not.ok(isValidId(id));
    assert.throws(() => repo.addPerson({ id, name: 'N' }), (e: unknown) => e instanceof AccessError && e.code === 'INVALID_INPUT');
  }
  // The 65-128 character ids the wire used to take and the terminal refused.
  assert.not.ok(commandSchemas['persons.remove'].request.safeParse({ ids: ['x'.repeat(100)] }).success);
  store.close();
});

test('terminal ids: the config, the store and the topics take the same ones', () => {
  for (const id of ids) {
    assert.is(defaultConfig(id).terminal.id, id);
    Store.open({ path: ':memory:', terminalId: id }).close();
    assert.ok(isValidId(id));
  }
  for (const id of badIds) {
    assert.throws(() => defaultConfig(id), undefined, `config refuses ${JSON.stringify(id)}`);
    assert.throws(() => Store.open({ path: ':memory:', terminalId: id }), TypeError);
  }
});

test('generated ids follow the grammar', () => {
  for (let i = 0; i < 2000; i++) assert.ok(isValidId(generateId()));
});

const evil = ['\x1b[31mevil', 'a\u202eevil', 'line\nbreak', 'tab\there', 'nul\0', 'c1\u0085', 'del\x7f', 'iso\u2066x\u2069', 'rlm\u200f', 'sep\u2028x', 'lone\ud800'];

test('display names: controls and bidirectional overrides are refused on the wire and by the terminal', () => {
  const store = Store.open({ path: ':memory:', terminalId: 't1' });
  const repo = new AccessRepository(store);
  for (const name of ['Ada Lovelace', '李小龙', 'Zoë O’Brien-Smith', 'مريم', '👩‍🔬 Marie']) {
    assert.is(displayNameProblem(name), null, name);
    assert.ok(personRecord.safeParse({ id: 'p', name }).success);
    assert.ok(newPersonSchema.safeParse({ name }).success);
  }
  for (const name of evil) {
    assert.ok(displayNameProblem(name), JSON.stringify(name));
    assert.not.ok(displayName.safeParse(name).success);
    assert.not.ok(personRecord.safeParse({ id: 'p', name }).success);
    assert.throws(() => repo.addPerson({ name }), (e: unknown) => e instanceof AccessError && /control or bidirectional/.test(e.message));
  }
  assert.ok(displayNameProblem('   '));
  assert.ok(displayNameProblem('x'.repeat(201)));
  store.close();
});

test('escapeUnsafeText shows what a name holds without letting it act on the terminal', () => {
  assert.is(escapeUnsafeText('Ada'), 'Ada');
  assert.is(escapeUnsafeText('\x1b[31m\u202eevil'), '\\u{1B}[31m\\u{202E}evil');
  // A literal backslash sequence cannot pass for an escape.
  assert.is(escapeUnsafeText('\\u{1B}'), '\\\\u{1B}');
  for (const s of evil) assert.is(displayNameProblem(escapeUnsafeText(s)), null);
});

test.run();
