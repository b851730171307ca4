// `limen provision` through the real CLI process: how users type terminal lists, and
// certificate lifetimes that cannot work.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = fileURLToPath(new URL('../..', import.meta.url));

function limen(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim() };
}

if (spawnSync('openssl', ['version'], { stdio: 'ignore' }).status !== 0) {
  console.log('skipped: limen provision CLI (openssl not installed)');
} else {
  const dir = mkdtempSync(join(tmpdir(), 'limen-prov-args-'));
  test.after(() => rmSync(dir, { recursive: true, force: true }));

  test('--terminal takes a space-separated list, repeats and commas alike', () => {
    const out = join(dir, 'list');
    const r = limen('provision', '--out', out, '--site', 'hq', '--terminal', 'a', 'b', '--terminal', 'c,d', '--broker-port', '18883');
    assert.is(r.code, 0, r.err);
    assert.ok(r.out.split('\n').includes('issued: a, b, c, d'), r.out);
    for (const id of ['a', 'b', 'c', 'd']) assert.ok(existsSync(join(out, 'terminals', id, 'client.crt')), id);
  });

  test('--days that is not a positive whole number (or beyond the CA) is one line, exit 1, nothing written', () => {
    for (const days of ['-1', '0', '1.5', 'abc', '99999']) {
      const out = join(dir, `days${days}`);
      const r = limen('provision', '--out', out, '--site', 'hq', '--terminal', 'a', '--days', days);
      assert.is(r.code, 1, `--days ${days}: ${r.out}`);
      assert.is(r.err, `limen: --days ${days}: give a whole number of days from 1 to 3650`);
      assert.not.ok(existsSync(out), `--days ${days} wrote ${out}`);
    }
  });

  test('--days 30 issues certificates valid for 30 days', () => {
    const out = join(dir, 'days30');
    assert.is(limen('provision', '--out', out, '--site', 'hq', '--terminal', 'a', '--days', '30').code, 0);
    const dates = spawnSync('openssl', ['x509', '-in', join(out, 'terminals/a/client.crt'), '-noout', '-startdate', '-enddate'], { encoding: 'utf8' }).stdout;
    const [start, end] = [/notBefore=(.+)/, /notAfter=(.+)/].map((re) => Date.parse(re.exec(dates)![1]!));
    assert.is(Math.round((end! - start!) / 86_400_000), 30);
  });

  test.run();
}
