/**
 * `limen` registers the site commands without loading the site server: a command
 * other than `site` (and `site --help`) resolves no Fastify, Kysely, argon2 or pg
 * module; only running a site command loads them. Checked in a real `limen` process
 * whose every resolved module is recorded.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const hook = fileURLToPath(new URL('./helpers/record-imports.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'limen-lazy-'));
let runs = 0;
const SITE_ONLY = /\/node_modules\/(fastify|@fastify\/[^/]+|kysely|@node-rs\/argon2|pg)\//;

/** Runs `limen args`; the site-only packages it loaded. */
function siteModulesLoadedBy(args: string[], input?: string): { code: number | null; loaded: string[]; out: string } {
  const log = join(dir, `imports-${++runs}.log`);
  const r = spawnSync(process.execPath, ['--import', hook, '--import', 'tsx', join(root, 'tools/limen.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, IMPORTS_LOG: log },
    ...(input !== undefined && { input }),
  });
  const urls = readFileSync(log, 'utf8').split('\n');
  const loaded = [...new Set(urls.map((u) => SITE_ONLY.exec(u)?.[1]).filter((p): p is string => p !== undefined))].sort();
  return { code: r.status, loaded, out: `${r.stdout}${r.stderr}` };
}

test('limen --help and limen site --help load nothing of the site server', () => {
  for (const args of [['--help'], ['site', '--help'], ['site', 'admin', 'create', '--help']]) {
    const r = siteModulesLoadedBy(args);
    assert.is(r.code, 0, r.out);
    assert.equal(r.loaded, [], `limen ${args.join(' ')} loaded ${r.loaded.join(', ')}`);
  }
  assert.match(siteModulesLoadedBy(['site', '--help']).out, /--share-group <name>/);
});

test('running a site command loads it then', () => {
  const r = siteModulesLoadedBy(['site', 'admin', 'create', '--username', 'root', '--database', join(dir, 'site.db')], 'a long enough password\n');
  assert.is(r.code, 0, r.out);
  assert.ok(r.loaded.includes('kysely') && r.loaded.includes('@node-rs/argon2'), r.loaded.join(', '));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
