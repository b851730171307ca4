// `limen person add` refuses names with control characters or bidi overrides (one
// line, exit 1), and `limen person list` never prints such characters raw, even for a
// name stored before the rule existed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'limen-names-'));
const db = join(dir, 'terminal.db');
const EVIL = '\x1b[31m\u202eevil';
const UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function limen(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), '--db', db, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('person add refuses a name with an escape sequence and a right-to-left override', () => {
  const r = limen('person', 'add', '--id', 'mallory', '--name', EVIL);
  assert.is(r.code, 1);
  assert.match(r.err, /name: must not contain control or bidirectional-override characters \(found U\+001B\)/);
  assert.not.match(r.err, UNSAFE, 'the refusal does not echo the characters');
  assert.is(limen('person', 'add', '--id', 'ada', '--name', 'Ada Lovelace').code, 0);
});

test('person list escapes what an older database holds; --json keeps the data but not the raw characters', () => {
  // A name written before the rule (straight into SQLite, as an older firmware could have).
  const raw = new Database(db);
  raw.prepare("UPDATE persons SET name = ? WHERE id = 'ada'").run(EVIL);
  raw.close();
  const text = limen('person', 'list');
  assert.is(text.code, 0);
  assert.not.match(text.out, UNSAFE);
  assert.ok(text.out.includes('\\u{1B}[31m\\u{202E}evil'), text.out);
  const json = limen('person', 'list', '--json');
  assert.not.match(json.out, UNSAFE);
  assert.is((JSON.parse(json.out) as Array<{ name: string }>)[0]!.name, EVIL, 'a JSON reader gets the stored name back');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
