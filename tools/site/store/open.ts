/**
 * Opens the site store from a `--database` URL: SQLite through better-sqlite3 (a
 * path, `sqlite:PATH` or `file:PATH`; default `var/site.db`, WAL) or PostgreSQL
 * (`postgres://` or `postgresql://`), and brings the schema to the latest migration.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { InCodeMigrationProvider, type Dialect } from './migrations.js';
import type { Database } from './schema.js';

import { DEFAULT_DATABASE } from './defaults.js';

export { DEFAULT_DATABASE };

export class DatabaseUrlError extends Error {
  readonly code = 'BAD_DATABASE_URL';
}

export interface DatabaseTarget {
  dialect: Dialect;
  /** The file for SQLite (`:memory:` allowed), the URL for PostgreSQL. */
  location: string;
}

export function parseDatabaseUrl(url: string = DEFAULT_DATABASE): DatabaseTarget {
  if (/^postgres(ql)?:\/\//i.test(url)) {
    try {
      new URL(url);
    } catch {
      throw new DatabaseUrlError(`--database: not a valid PostgreSQL URL: ${url}`);
    }
    return { dialect: 'postgres', location: url };
  }
  const m = /^(sqlite|file):(.*)$/i.exec(url);
  if (m) {
    const path = m[2]!.replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new DatabaseUrlError(`--database: no file in ${url}`);
    return { dialect: 'sqlite', location: path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new DatabaseUrlError(`--database: use a file path, sqlite:PATH or postgres://..., not ${url}`);
  if (url === '') throw new DatabaseUrlError('--database: empty');
  return { dialect: 'sqlite', location: url };
}

// int8 (count(*), bigint columns) as JS numbers: every such value here is a count or
// epoch milliseconds, far below 2^53.
const PG_INT8 = 20;
const pgTypes = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === PG_INT8 && format !== 'binary' ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export interface SiteStore {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Where it is, without any password: for logs and the CLI. */
  readonly describe: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Run pending migrations (default true). */
  migrate?: boolean;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
}

export async function openSiteStore(url: string = DEFAULT_DATABASE, options: OpenOptions = {}): Promise<SiteStore> {
  const target = parseDatabaseUrl(url);
  let db: Kysely<Database>;
  let describe: string;
  if (target.dialect === 'sqlite') {
    if (target.location !== ':memory:') mkdirSync(dirname(target.location), { recursive: true });
    const sqlite = new BetterSqlite3(target.location);
    sqlite.pragma('journal_mode = WAL');
    // WAL + NORMAL: a commit survives a crash of this process (no fsync per commit,
    // which would cap ingest at the disk's sync rate); a power cut may lose the last
    // commits, events the terminals already saw acknowledged.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    describe = `sqlite:${target.location}`;
  } else {
    const pool = new pg.Pool({ connectionString: target.location, max: options.poolSize ?? 10, types: pgTypes });
    // An idle client's error (server restart) must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const u = new URL(target.location);
    u.password = '';
    describe = u.toString();
  }
  const store: SiteStore = { db, dialect: target.dialect, describe, close: () => db.destroy() };
  if (options.migrate ?? true) {
    try {
      await migrateToLatest(store);
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  return store;
}

export class MigrationError extends Error {
  readonly code = 'MIGRATION_FAILED';
}

export async function migrateToLatest(store: Pick<SiteStore, 'db' | 'dialect'>): Promise<string[]> {
  const migrator = new Migrator({ db: store.db, provider: new InCodeMigrationProvider(store.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new MigrationError(`site store migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
