import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sql } from 'kysely';
import { DatabaseUrlError, openSiteStore, parseDatabaseUrl } from '../../../tools/site/store/index.js';

test('--database picks SQLite for paths and sqlite:/file: URLs, PostgreSQL for postgres:// URLs', () => {
  assert.equal(parseDatabaseUrl(), { dialect: 'sqlite', location: 'var/site.db' });
  assert.equal(parseDatabaseUrl('data/x.db'), { dialect: 'sqlite', location: 'data/x.db' });
  assert.equal(parseDatabaseUrl('sqlite::memory:'), { dialect: 'sqlite', location: ':memory:' });
  assert.equal(parseDatabaseUrl('file:///srv/site.db'), { dialect: 'sqlite', location: '/srv/site.db' });
  assert.equal(parseDatabaseUrl('postgres://u:p@db:5432/site'), { dialect: 'postgres', location: 'postgres://u:p@db:5432/site' });
  assert.equal(parseDatabaseUrl('postgresql://db/site').dialect, 'postgres');
  for (const bad of ['mysql://db/site', '', 'sqlite:', 'postgres://[bad']) {
    assert.throws(() => parseDatabaseUrl(bad), (e: unknown) => e instanceof DatabaseUrlError && e.code === 'BAD_DATABASE_URL', bad);
  }
});

test('a SQLite store is created with its folder, in WAL mode, foreign keys on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-site-url-'));
  const store = await openSiteStore(join(dir, 'nested', 'site.db'));
  try {
    assert.is(store.dialect, 'sqlite');
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
    assert.is(mode.rows[0]!.journal_mode, 'wal');
    const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(store.db);
    assert.is(fk.rows[0]!.foreign_keys, 1);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a password in a PostgreSQL URL is not in its description', async () => {
  const store = await openSiteStore('postgres://limen:s3cret@127.0.0.1:1/none', { migrate: false });
  try {
    assert.not.ok(store.describe.includes('s3cret'));
  } finally {
    await store.close();
  }
});

test.run();
