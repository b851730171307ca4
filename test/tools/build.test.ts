// npm run build: what dist/ holds, and that the bundle loads with production dependencies only.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildDist, EXTERNAL_PACKAGES, MODULE_ASSETS, NOT_IN_TERMINAL } from '../../tools/build.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'limen-build-'));
const outdir = join(dir, 'dist');
const result = await buildDist({ outdir });
// Laid out as installed: node_modules beside dist/.
symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');

test('dist holds the CLI, the liveness worker beside it, the pages and an ESM package.json', () => {
  assert.is(result.entry, join(outdir, 'limen.mjs'));
  const paths = result.files.map((f) => f.path);
  assert.is(result.terminal, join(outdir, 'terminal.mjs'));
  for (const p of ['terminal.mjs', 'limen.mjs', 'liveness-worker.js', 'package.json']) assert.ok(paths.includes(p), p);
  assert.ok(result.files.every((f) => f.bytes > 0 || f.path === 'package.json'));
  assert.equal(JSON.parse(readFileSync(join(outdir, 'package.json'), 'utf8')), { type: 'module' });
  for (const [module, files] of Object.entries(MODULE_ASSETS)) {
    for (const file of files) {
      const copied = join(outdir, 'assets', dirname(module), file);
      assert.ok(existsSync(copied), copied);
      assert.is(readFileSync(copied, 'utf8'), readFileSync(join(root, dirname(module), file), 'utf8'));
    }
  }
});

test('the bundles import only node built-ins and native production dependencies', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const builtins = new Set(builtinModules);
  const packageOf = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
  const external = (name: string) => EXTERNAL_PACKAGES.some((e) => (e.endsWith('/*') ? name.startsWith(e.slice(0, -1)) : name === e));
  for (const file of ['terminal.mjs', 'limen.mjs', 'liveness-worker.js']) {
    const code = readFileSync(join(outdir, file), 'utf8');
    const specifiers = [...code.matchAll(/^import\s[^;]*?\sfrom\s"([^"]+)";$/gm)].map((m) => m[1]!);
    assert.ok(specifiers.length > 0, file);
    for (const spec of specifiers) {
      if (spec.startsWith('node:') || builtins.has(spec)) continue;
      const name = packageOf(spec);
      assert.ok(external(name), `${file} imports ${spec}, which is not listed as external`);
      assert.ok(pkg.dependencies[name], `${file} imports ${spec}, which is not a production dependency`);
    }
    assert.not.match(code, /from "esbuild"/);
  }
});

test('the bundled CLI runs from the install layout and has the run command', () => {
  const r = spawnSync(process.execPath, [result.entry, 'run', '--help'], { cwd: dir, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /Usage: limen run/);
});

test("the terminal's bundle carries the firmware without the CLI's development tools, and is the smaller", () => {
  const code = readFileSync(result.terminal, 'utf8');
  // esbuild names each bundled source in a comment: `// firmware/terminal.ts`, `// node_modules/aedes/...`.
  const sources = [...code.matchAll(/^\/\/ (\S+)$/gm)].map((m) => m[1]!);
  assert.ok(sources.includes('firmware/terminal.ts'), 'the firmware is in it');
  assert.ok(sources.includes('firmware/kiosk/server.ts'), 'the kiosk is in it');
  for (const source of sources) {
    assert.not.ok(NOT_IN_TERMINAL.folders.some((f) => source.startsWith(f)), `terminal.mjs carries ${source}`);
    for (const pkg of NOT_IN_TERMINAL.packages) assert.not.ok(source.startsWith(`node_modules/${pkg}/`), `terminal.mjs carries ${source}`);
  }
  const cli = readFileSync(result.entry, 'utf8');
  assert.match(cli, /^\/\/ node_modules\/aedes\//m, 'the CLI bundle does carry the broker (the check above can fail)');
  const bytes = (path: string) => result.files.find((f) => f.path === path)!.bytes;
  assert.ok(bytes('terminal.mjs') < bytes('limen.mjs') / 2, `terminal.mjs ${bytes('terminal.mjs')} B, limen.mjs ${bytes('limen.mjs')} B`);
});

test("the terminal's bundle runs from the install layout: run --help, and an unknown command is refused with exit 2", () => {
  const help = spawnSync(process.execPath, [result.terminal, 'run', '--help'], { cwd: dir, encoding: 'utf8' });
  assert.is(help.status, 0, help.stderr);
  assert.match(help.stdout, /Usage: limen run/);
  const other = spawnSync(process.execPath, [result.terminal, 'doctor'], { cwd: dir, encoding: 'utf8' });
  assert.is(other.status, 2);
  assert.match(other.stderr, /unknown command or argument doctor/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
