import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'limen-cli-'));
const db = join(dir, 'nested', 'terminal.db');

function limen(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), '--db', db, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

test('person add, card add and person list work on a fresh database', () => {
  assert.is(limen('person', 'add', '--id', 'alice', '--name', 'Alice Liddell').code, 0);
  assert.is(limen('card', 'add', '--person', 'alice', '0042').out, 'added card 42 for alice');
  const list = limen('person', 'list', '--json');
  const [alice] = JSON.parse(list.out) as Array<{ id: string; credentials: string[]; groups: string[] }>;
  assert.is(alice?.id, 'alice');
  assert.equal(alice?.credentials, ['card 42']);
  assert.equal(alice?.groups, ['residents']);
});

test('an invalid card number is one line naming the value, exit 1', () => {
  const r = limen('card', 'add', '--person', 'alice', '12ab');
  assert.is(r.code, 1);
  assert.is(r.err, 'limen: invalid card number "12ab": only the digits 0-9 are allowed');
});

test('a malformed config file is one line naming the problem', () => {
  const cfg = join(dir, 'bad.json');
  writeFileSync(cfg, JSON.stringify({ version: 1, terminal: { id: 't' }, door: { unlockMs: 'soon' } }));
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), '--config', cfg, 'person', 'list'], { encoding: 'utf8' });
  assert.is(r.status, 1);
  assert.is(r.stderr.trim(), 'limen: door.unlockMs: Invalid input: expected number, received string');
});

test('an unknown board in the config is one line listing the valid boards', () => {
  const cfg = join(dir, 'board.json');
  writeFileSync(cfg, JSON.stringify({ version: 1, terminal: { id: 't' }, board: 'rpi9', store: { path: join(dir, 'b.db') }, panel: { port: 0 } }));
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), '--config', cfg, 'sim'], { encoding: 'utf8' });
  assert.is(r.status, 1);
  assert.match(r.stderr.trim(), /^limen: unknown board "rpi9"; valid boards: ([a-z0-9-]+, )*sim(, [a-z0-9-]+)*$/);
});

test('events filters by result and person; person remove erases', () => {
  assert.is(limen('events').out, 'no events');
  const r = limen('person', 'remove', 'alice');
  assert.is(r.out, 'removed person alice');
  assert.is(limen('person', 'list').out, 'no persons');
  assert.is(limen('person', 'remove', 'alice').err, 'limen: no person with id "alice"');
  assert.is(limen('events', '--since', 'yesterday').code, 1);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
