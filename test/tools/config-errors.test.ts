// A config with several problems, through the real `limen` CLI: every problem is printed,
// one `path: message` per line, so that nobody has to fix-and-rerun to find the next one.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'limen-config-errors-'));
const bad = join(dir, 'bad.json');
writeFileSync(
  bad,
  JSON.stringify({
    version: 1,
    terminal: { id: 't', timeZone: 'Mars/Olympus' },
    store: { path: join(dir, 'never.db') },
    door: { unlockMs: 60_000, maxEnergiseMs: 1_000 },
    face: { enabled: 'yes' },
    passes: { enabled: true },
    dor: {},
  }),
);
const problems = [
  'terminal.timeZone: must be an IANA time zone such as "Europe/Berlin"',
  'door.unlockMs: unlockMs must not exceed maxEnergiseMs',
  'face.enabled: Invalid input: expected boolean, received string',
  'passes.enabled: visitor passes need the fleet signing keys: set fleet.trustedKeys',
  'config: Unrecognized key: "dor"',
];

function limen(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, lines: r.stderr.trimEnd().split('\n') };
}

/** The problem lines after the heading, in any order (zod's order is not part of the contract). */
const listed = (lines: string[]) => lines.slice(1).map((line) => line.replace(/^ {2}/, '')).sort();

test('limen run --config bad.json prints every problem, one per line, and exits 2', () => {
  const r = limen('run', '--config', bad);
  assert.is(r.code, 2);
  assert.is(r.out, '');
  assert.is(r.lines[0], `limen run: CONFIG_INVALID: ${problems.length} problems in ${bad}:`);
  assert.equal(listed(r.lines), [...problems].sort());
  assert.ok(r.lines.slice(1).every((line) => line.startsWith('  ')));
});

test('other commands print every problem of the config too', () => {
  const r = limen('--config', bad, 'person', 'list');
  assert.is(r.code, 1);
  assert.is(r.lines[0], `limen: ${problems.length} problems in ${bad}:`);
  assert.equal(listed(r.lines), [...problems].sort());
});

test('a config with one problem stays one line', () => {
  const one = join(dir, 'one.json');
  writeFileSync(one, JSON.stringify({ version: 1, terminal: { id: 't' }, door: { unlockMs: 'soon' } }));
  const r = limen('run', '--config', one);
  assert.is(r.code, 2);
  assert.equal(r.lines, ['limen run: CONFIG_INVALID: door.unlockMs: Invalid input: expected number, received string']);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
