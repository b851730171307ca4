// `limen plate add|remove|list` as real processes on a terminal database file: plates are
// validated and printed normalised, refusals are one coded line with exit 1, and the
// plate really is the person's credential in the store the terminal opens.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'limen-plate-cli-'));
const db = join(dir, 'terminal.db');

function limen(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), '--db', db, ...args], { cwd: root, encoding: 'utf8' });
  // The first stderr line names the database the command used; `err` is the rest.
  const lines = r.stderr.trim().split('\n');
  if (lines[0]?.startsWith('limen: database ')) lines.shift();
  return { code: r.status, out: r.stdout.trim(), err: lines.join('\n') };
}

/** The plates the terminal's own store holds, by person. */
function storedPlates(): Array<[string, string]> {
  const conn = new Database(db, { readonly: true });
  try {
    const rows = conn.prepare("SELECT person_id, value_key FROM credentials WHERE type = 'plate' ORDER BY person_id").all() as Array<{ person_id: string; value_key: string }>;
    return rows.map((r) => [r.person_id, r.value_key]);
  } finally {
    conn.close();
  }
}

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('plate add validates and stores the plate normalised; list prints it; remove takes it away', () => {
  const ann = limen('person', 'add', '--id', 'ann', '--name', 'Ann');
  assert.is(ann.code, 0, ann.err);
  const added = limen('plate', 'add', 'ann', '京a·12345');
  assert.is(added.code, 0, added.err);
  assert.is(added.out, 'added plate 京A12345 for ann');
  assert.equal(storedPlates(), [['ann', '京A12345']]);
  assert.is(limen('plate', 'list').out, '京A12345\tann\tAnn');
  assert.is(limen('plate', 'list', '--person', 'ann').out, '京A12345\tann\tAnn');
  const removed = limen('plate', 'remove', '京a12345');
  assert.is(removed.out, 'removed plate 京A12345 (ann)', removed.err);
  assert.equal(storedPlates(), []);
  assert.is(limen('plate', 'list').out, 'no plates');
});

test('refusals are one coded line, exit 1, nothing written', () => {
  const bad = limen('plate', 'add', 'ann', 'ABC-123');
  assert.is(bad.code, 1);
  assert.match(bad.err, /^limen: invalid plate "ABC-123": .* \(PLATE_INVALID\)$/);
  assert.is(limen('plate', 'add', 'zed', '京A12345').err, 'limen: no person "zed" (PERSON_NOT_FOUND)');
  const bob = limen('person', 'add', '--id', 'bob', '--name', 'Bob');
  assert.is(bob.code, 0, bob.err);
  const bobs = limen('plate', 'add', 'bob', '京A12345');
  assert.is(bobs.code, 0, bobs.err);
  const taken = limen('plate', 'add', 'ann', '京A12345');
  assert.is(taken.code, 1);
  assert.is(taken.err, 'limen: plate 京A12345 is already assigned to bob (PLATE_TAKEN)');
  const missing = limen('plate', 'remove', '沪B54321');
  assert.is(missing.err, 'limen: no person has plate 沪B54321 (PLATE_NOT_FOUND)', JSON.stringify(missing));
  assert.equal(storedPlates(), [['bob', '京A12345']]);
});

test.run();
