import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { META_KEYS, Store, StoreError, latestSchemaVersion } from '../../../firmware/store/index.js';
import { migrate, migrations, type Migration } from '../../../firmware/store/migrations.js';
import { tempDir } from './helpers.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

const TABLES = [
  'anti_passback',
  'consents',
  'credentials',
  'events',
  'face_snapshots',
  'face_templates',
  'groups',
  'holidays',
  'meta',
  'person_groups',
  'person_lists',
  'persons',
  'plate_snapshots',
  'revoked_passes',
  'schedules',
  'visitor_pass_uses',
];

test('a new file is migrated to the latest schema with WAL, FULL sync, 16 KiB pages and foreign keys', () => {
  const { dir, cleanup } = tempDir();
  try {
    const store = Store.open({ path: join(dir, 't.db'), terminalId: 'T1' });
    const tables = store.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    assert.equal(tables, TABLES);
    assert.is(store.schemaVersion, latestSchemaVersion);
    assert.is(store.db.pragma('journal_mode', { simple: true }), 'wal');
    assert.is(store.db.pragma('synchronous', { simple: true }), 2); // FULL
    assert.is(store.db.pragma('page_size', { simple: true }), 16_384);
    assert.is(store.db.pragma('foreign_keys', { simple: true }), 1);
    store.close();
  } finally {
    cleanup();
  }
});

test('an existing empty file is migrated too', () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'empty.db');
    writeFileSync(path, '');
    const store = Store.open({ path, terminalId: 'T1' });
    assert.is(store.schemaVersion, latestSchemaVersion);
    store.events.append({ type: 'door.opened' });
    store.close();
    const again = Store.open({ path, terminalId: 'T1' });
    assert.is(again.events.count(), 1);
    again.close();
  } finally {
    cleanup();
  }
});

test("a database from newer firmware is refused with 'SCHEMA_TOO_NEW' and left untouched", () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'future.db');
    const raw = new Database(path);
    raw.exec('CREATE TABLE future_stuff (x)');
    raw.pragma('user_version = 99');
    raw.close();
    let error: unknown;
    try {
      Store.open({ path, terminalId: 'T1' });
    } catch (err) {
      error = err;
    }
    assert.instance(error, StoreError);
    assert.is((error as StoreError).code, 'SCHEMA_TOO_NEW');
    assert.match((error as Error).message, new RegExp(`v99 is newer than this firmware supports \\(v${latestSchemaVersion}\\)`));
    const check = new Database(path);
    assert.is(check.pragma('user_version', { simple: true }), 99);
    assert.equal(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all(), ['future_stuff']);
    check.close();
  } finally {
    cleanup();
  }
});

test("a file that is not a database, or a missing folder, gives 'OPEN_FAILED'", () => {
  const { dir, cleanup } = tempDir();
  try {
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'this is not sqlite'.repeat(100));
    assert.is(codeOf(() => Store.open({ path: junk, terminalId: 'T1' })), 'OPEN_FAILED');
    assert.is(codeOf(() => Store.open({ path: join(dir, 'no', 'such', 'x.db'), terminalId: 'T1' })), 'OPEN_FAILED');
  } finally {
    cleanup();
  }
});

test('programmer mistakes in options throw TypeError', () => {
  assert.throws(() => Store.open({ path: '', terminalId: 'T1' }), TypeError);
  assert.throws(() => Store.open({ path: ':memory:', terminalId: 'bad id with spaces' }), TypeError);
  assert.throws(() => Store.open({ path: ':memory:', terminalId: 'T1', maxEvents: 0 }), TypeError);
});

test('a failing migration rolls back and leaves the version where it was', () => {
  const db = new Database(':memory:');
  const steps: Migration[] = [
    { version: 1, name: 'one', up: (d) => d.exec('CREATE TABLE a (x)') },
    {
      version: 2,
      name: 'two',
      up: (d) => {
        d.exec('CREATE TABLE b (x)');
        throw new Error('boom');
      },
    },
  ];
  assert.throws(() => migrate(db, steps), /boom/);
  assert.is(db.pragma('user_version', { simple: true }), 1);
  assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all(), ['a']);
  assert.is(migrate(db, steps.slice(0, 1)), 1);
  db.close();
});

test('seqs keep rising across reopen, even after the newest events were deleted', () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 't.db');
    const clock = new FakeClock(1_000);
    let store = Store.open({ path, terminalId: 'T1', clock });
    for (let i = 0; i < 5; i++) store.events.append({ type: 'door.opened' });
    store.close();
    store = Store.open({ path, terminalId: 'T1', clock });
    assert.is(store.events.latestSeq(), 5);
    assert.is(store.events.append({ type: 'door.opened' }).seq, 6);
    store.db.exec('DELETE FROM events WHERE seq >= 4');
    store.close();
    store = Store.open({ path, terminalId: 'T1', clock });
    assert.is(store.events.append({ type: 'door.opened' }).seq, 7, 'seq 4..6 are never handed out again');
    store.close();
  } finally {
    cleanup();
  }
});

test('the PIN key is created once per terminal database and survives reopen', () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 't.db');
    const a = Store.open({ path, terminalId: 'T1' });
    const key = Buffer.from(a.pinHmacKey);
    assert.is(key.length, 32);
    a.close();
    const b = Store.open({ path, terminalId: 'T1' });
    assert.ok(b.pinHmacKey.equals(key));
    assert.is(b.meta.get(META_KEYS.pinHmacKey), key.toString('hex'));
    b.close();
    const other = Store.open({ path: ':memory:', terminalId: 'T2' });
    assert.not.ok(other.pinHmacKey.equals(key));
    other.close();
  } finally {
    cleanup();
  }
});

test("calls after close throw 'CLOSED'; closing twice is harmless", () => {
  const store = Store.open({ path: ':memory:', terminalId: 'T1' });
  store.close();
  store.close();
  assert.not.ok(store.isOpen);
  assert.is(codeOf(() => store.events.append({ type: 'door.opened' })), 'CLOSED');
  assert.is(codeOf(() => store.events.query()), 'CLOSED');
  assert.is(codeOf(() => store.events.ack(1)), 'CLOSED');
  assert.is(codeOf(() => store.pinHmacKey), 'CLOSED');
});

test('deleting a person cascades to everything about them; events keep only the person id', () => {
  const store = Store.open({ path: ':memory:', terminalId: 'T1' });
  const db = store.db;
  db.exec(`
    INSERT INTO persons (id, name, created_at, updated_at) VALUES ('p1', 'Ada', 0, 0), ('p2', 'Bob', 0, 0);
    INSERT INTO groups (id, name) VALUES ('g1', 'staff');
    INSERT INTO person_groups VALUES ('p1', 'g1'), ('p2', 'g1');
    INSERT INTO credentials (id, person_id, type, value_key, created_at) VALUES ('c1', 'p1', 'card', '42', 0), ('c2', 'p2', 'card', '43', 0);
    INSERT INTO face_templates (id, person_id, model_id, dim, template, created_at) VALUES ('f1', 'p1', 'm', 2, x'0000', 0);
    INSERT INTO consents (person_id, kind, granted_at, source) VALUES ('p1', 'face', 0, 'kiosk');
  `);
  store.events.append({ type: 'access.granted', result: 'granted', personId: 'p1' });
  db.prepare("DELETE FROM persons WHERE id = 'p1'").run();
  const count = (sql: string) => db.prepare(sql).pluck().get();
  assert.is(count("SELECT count(*) FROM credentials WHERE person_id = 'p1'"), 0);
  assert.is(count("SELECT count(*) FROM person_groups WHERE person_id = 'p1'"), 0);
  assert.is(count("SELECT count(*) FROM face_templates WHERE person_id = 'p1'"), 0);
  assert.is(count("SELECT count(*) FROM consents WHERE person_id = 'p1'"), 0);
  assert.is(count('SELECT count(*) FROM credentials'), 1, "others' rows stay");
  assert.is(store.events.query({ personId: 'p1' }).length, 1);
  assert.throws(() => db.prepare("INSERT INTO credentials (id, person_id, type, value_key, created_at) VALUES ('c3', 'ghost', 'card', '1', 0)").run(), /FOREIGN KEY/);
  store.close();
});

test('a v3 file is migrated: the visitor pass uses table an older firmware made stays, gallery.version becomes templates.version', () => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'v3.db');
    const old = new Database(path);
    migrate(old, migrations.slice(0, 3));
    // What firmware before v4 did when it first checked a visitor pass, and its templates version.
    old.exec('CREATE TABLE IF NOT EXISTS visitor_pass_uses (pass_id TEXT PRIMARY KEY, uses INTEGER NOT NULL, valid_until INTEGER NOT NULL, last_used INTEGER NOT NULL)');
    old.prepare("INSERT INTO visitor_pass_uses VALUES ('pass-1', 2, 10, 5)").run();
    old.prepare("INSERT INTO meta (key, value) VALUES ('gallery.version', '7'), ('fleet.gallery_version', '3')").run();
    old.close();
    const store = Store.open({ path, terminalId: 'T1' });
    assert.is(store.schemaVersion, latestSchemaVersion);
    assert.is(store.db.prepare("SELECT uses FROM visitor_pass_uses WHERE pass_id = 'pass-1'").pluck().get(), 2);
    assert.is(store.templates.version(), 7);
    assert.is(store.meta.get('gallery.version'), undefined);
    assert.is(store.meta.get('fleet.gallery_version'), '3', 'the fleet gallery version is another thing');
    store.close();
  } finally {
    cleanup();
  }
});

test('meta values: get, set, increment, delete', () => {
  const store = Store.open({ path: ':memory:', terminalId: 'T1' });
  assert.is(store.meta.get(META_KEYS.templatesVersion), undefined);
  assert.is(store.meta.increment(META_KEYS.templatesVersion), 1);
  assert.is(store.transaction(() => store.meta.increment(META_KEYS.templatesVersion, 2)), 3);
  store.meta.set('x.y', 'z');
  assert.is(store.meta.get('x.y'), 'z');
  assert.ok(store.meta.delete('x.y'));
  assert.not.ok(store.meta.delete('x.y'));
  store.close();
});

test.run();
