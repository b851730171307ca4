// npm run build: what dist/ holds, and that the bundle loads with production dependencies only.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildDist, EXTERNAL_PACKAGES, MODULE_ASSETS } from '../../tools/build.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'limen-build-'));
const outdir = join(dir, 'dist');
const result = await buildDist({ outdir });
// Laid out as installed: node_modules beside dist/.
symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');

test('dist holds the CLI, the liveness worker beside it, the pages and an ESM package.json', () => {
  assert.is(result.entry, join(outdir, 'limen.mjs'));
  const paths = result.files.map((f) => f.path);
  for (const p of ['limen.mjs', 'liveness-worker.js', 'package.json']) assert.ok(paths.includes(p), p);
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
  for (const file of ['limen.mjs', 'liveness-worker.js']) {
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

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
