import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AccessService } from '../../firmware/access/index.js';
import { Store } from '../../firmware/store/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'limen-cli-'));
const db = join(dir, 'nested', 'terminal.db');

function limen(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), '--db', db, ...args], { cwd: root, encoding: 'utf8' });
  // The first stderr line names the database the command used; `err` is the rest.
  const lines = r.stderr.trim().split('\n');
  const dbLine = lines[0]?.startsWith('limen: database ') ? lines.shift()! : '';
  return { code: r.status, out: r.stdout.trim(), err: lines.join('\n'), dbLine };
}

test('person add, card add and person list work on a fresh database', () => {
  const added = limen('person', 'add', '--id', 'alice', '--name', 'Alice Liddell');
  assert.is(added.code, 0);
  assert.is(added.dbLine, `limen: database ${db} (created)`, 'the first command says which file it created');
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

test('every command that opens a database names it on stderr; without --db it is var/terminal.db, said so when created', () => {
  const commands = [['person', 'add', '--id', 'dana', '--name', 'Dana'], ['person', 'list'], ['events'], ['card', 'add', '--person', 'dana', '77'], ['pin', 'add', '--person', 'dana', '4321']];
  for (const args of commands) {
    const r = limen(...args);
    assert.is(r.code, 0, r.err);
    assert.is(r.dbLine, `limen: database ${db}`, args.join(' '));
  }
  // A newcomer's command without --db, in a fresh folder, through the `limen` bin as npx runs it.
  const cwd = join(dir, 'newcomer');
  mkdirSync(cwd);
  const r = spawnSync(process.execPath, [join(root, 'tools/bin/limen.mjs'), 'person', 'list'], { cwd, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, 'limen: database var/terminal.db (created)\n');
  assert.ok(existsSync(join(cwd, 'var/terminal.db')));
});

/** True when `text` (UTF-8) occurs in the database file or its -wal. */
function dbHolds(text: string): boolean {
  const hay = Buffer.concat([readFileSync(db), existsSync(`${db}-wal`) ? readFileSync(`${db}-wal`) : Buffer.alloc(0)]);
  return hay.indexOf(Buffer.from(text, 'utf8')) >= 0;
}

test('person remove erases the person from the event log: events stay under a pseudonym, without the card number; no byte of them left', () => {
  assert.is(limen('person', 'add', '--id', 'carol-k', '--name', 'Carol Kestrel').code, 0);
  assert.is(limen('card', 'add', '--person', 'carol-k', '7654321').code, 0);
  // The card is presented at the terminal working on the same file.
  const store = Store.open({ path: db, terminalId: 'sim-1' });
  const access = new AccessService({ store, timeZone: 'UTC' });
  assert.is(access.present({ type: 'card', value: '7654321' }).decision.result, 'granted');
  assert.is(access.present({ type: 'card', value: '7654321' }).decision.result, 'granted');
  store.close();
  const before = limen('events', '--person', 'carol-k', '--json').out.split('\n');
  assert.is(before.length, 2);
  assert.match(before[0]!, /"credentialRef":"7654321"/);

  assert.is(limen('person', 'remove', 'carol-k').out, 'removed person carol-k');
  assert.is(limen('events', '--person', 'carol-k').out, 'no events');
  assert.is(limen('events', '--card', '7654321').out, 'no events');
  const after = limen('events', '--json')
    .out.split('\n')
    .map((l) => JSON.parse(l) as { type: string; result: string; personId: string; credentialType: string; credentialRef: string | null });
  assert.is(after.length, 2, 'the passages are still counted');
  for (const e of after) {
    assert.is(e.type, 'access.granted');
    assert.is(e.result, 'granted');
    assert.is(e.credentialType, 'card');
    assert.is(e.credentialRef, null);
    assert.match(e.personId, /^erased-[0-9a-f]{16}$/);
  }
  for (const text of ['carol-k', 'Carol Kestrel', '7654321']) assert.not.ok(dbHolds(text), `"${text}" left in the database or its WAL`);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
