/**
 * The databases the site store's tests run on: a fresh SQLite file each time, and a
 * fresh database in a throw-away PostgreSQL cluster this process starts itself when
 * Debian's postgresql is installed (stopped and deleted again by `close()`, or at
 * exit if the test dies first).
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { suite, type Test } from 'uvu';
import { openSiteStore, type SiteStore } from '../../../../tools/site/store/index.js';
import { freePort } from '../../../sdk/helpers/brokers.js';

export interface TestDatabases {
  name: 'sqlite' | 'postgres';
  /** A `--database` URL for an empty database. */
  fresh(): Promise<string>;
  close(): Promise<void>;
}

export function sqliteDatabases(): TestDatabases {
  const dir = mkdtempSync(join(tmpdir(), 'limen-site-'));
  let n = 0;
  return {
    name: 'sqlite',
    fresh: async () => join(dir, `site-${++n}.db`),
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The bin folder of the newest installed PostgreSQL, or null. */
export function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : null;
}

/** Runs a PostgreSQL tool as the `postgres` user when we are root (initdb refuses root). */
function runPg(bin: string, tool: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  const cmd = asRoot ? 'runuser' : join(bin, tool);
  const argv = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
  const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: tmpdir() });
  if (r.status !== 0) throw new Error(`${tool} failed (${r.status}): ${r.stderr || r.stdout}`);
}

/** `durable`: keep PostgreSQL's fsync on (benchmarks); tests run with it off. */
export async function postgresDatabases(o: { durable?: boolean } = {}): Promise<TestDatabases | null> {
  const bin = postgresBin();
  if (!bin) return null;
  const dir = mkdtempSync(join(tmpdir(), 'limen-pg-'));
  if (process.getuid?.() === 0) {
    const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const uid = Number(r.stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  runPg(bin, 'initdb', ['-D', data, '-A', 'trust', '-U', 'limen', '--no-sync']);
  // fsync off: a throw-away cluster, and tests should not wait on the disk.
  const fsync = o.durable ? '' : ' -c fsync=off';
  runPg(bin, 'pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${fsync}`, 'start', '-w']);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      runPg(bin, 'pg_ctl', ['-D', data, 'stop', '-m', 'immediate', '-w']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  process.once('exit', stop);
  const admin = new pg.Client({ host: '127.0.0.1', port, user: 'limen', database: 'postgres' });
  await admin.connect();
  let n = 0;
  return {
    name: 'postgres',
    fresh: async () => {
      const name = `site_${process.pid}_${++n}`;
      await admin.query(`CREATE DATABASE ${name}`);
      return `postgres://limen@127.0.0.1:${port}/${name}`;
    },
    close: async () => {
      await admin.end();
      stop();
      process.off('exit', stop);
    },
  };
}

/** SQLite always; PostgreSQL when installed (else a `skipped:` line is printed). */
export async function testDatabases(): Promise<TestDatabases[]> {
  const all = [sqliteDatabases()];
  const pgDbs = await postgresDatabases();
  if (pgDbs) all.push(pgDbs);
  else console.log('skipped: postgresql not installed');
  return all;
}

/**
 * Defines the same tests once per database: `define(test, open)` where `open()` gives
 * a migrated store on a fresh database, closed after the test. Call it once per file
 * (uvu runs the suites while a second call would still be starting its cluster).
 */
export async function onEveryDatabase(
  title: string,
  define: (test: Test, open: (url?: string) => Promise<SiteStore>, dialect: 'sqlite' | 'postgres', fresh: () => Promise<string>) => void,
): Promise<void> {
  for (const dbs of await testDatabases()) {
    const s = suite(`${title} [${dbs.name}]`);
    const opened: SiteStore[] = [];
    // `url`: open an existing database again (a site restart); default a fresh one.
    const open = async (url?: string) => {
      const store = await openSiteStore(url ?? (await dbs.fresh()));
      opened.push(store);
      return store;
    };
    s.after.each(async () => {
      for (const store of opened.splice(0)) await store.close();
    });
    s.after(() => dbs.close());
    define(s, open, dbs.name, () => dbs.fresh());
    s.run();
  }
}
