/**
 * The dependency rules of .dependency-cruiser.cjs: the tree obeys them, and each rule
 * does fire — checked on a miniature repository with deliberate violations.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = fileURLToPath(new URL('..', import.meta.url));
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');
const config = join(root, '.dependency-cruiser.cjs');

function cruise(cwd: string, ...paths: string[]) {
  const r = spawnSync(depcruise, ['--config', config, '--output-type', 'json', ...paths], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 && !r.stdout) throw new Error(`depcruise failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { summary: { violations: Array<{ from: string; to: string; rule: { name: string } }>; error: number } };
  return out.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
}

test('the tree obeys every rule (depcruise --validate exits 0)', () => {
  const r = spawnSync(depcruise, ['--validate', config, 'tools/site'], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /no dependency violations found/);
});

test('tools/site importing terminal code, or the SDK other than as @limen/sdk, is reported', () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-depcruise-'));
  const files: Record<string, string> = {
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', paths: { '@limen/sdk': ['./sdk/src/index.ts'] } } }),
    'sdk/src/index.ts': "export { Fleet } from './fleet.js';\n",
    'sdk/src/fleet.ts': 'export class Fleet {}\n',
    'firmware/terminal.ts': 'export const terminal = 1;\n',
    'hal/gpio.ts': 'export const gpio = 1;\n',
    'tools/site/good.ts': "import { Fleet } from '@limen/sdk';\nexport const f = Fleet;\n",
    'tools/site/bad.ts': [
      "import { terminal } from '../../firmware/terminal.js';",
      "import { gpio } from '../../hal/gpio.js';",
      "import { Fleet } from '../../sdk/src/fleet.js';",
      "import * as sdk from '../../sdk/src/index.js';",
      'export const all = [terminal, gpio, Fleet, sdk];',
      '',
    ].join('\n'),
  };
  try {
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    assert.equal(cruise(dir, 'tools/site'), [
      'site-not-to-terminal-code: tools/site/bad.ts -> firmware/terminal.ts',
      'site-not-to-terminal-code: tools/site/bad.ts -> hal/gpio.ts',
      'site-sdk-public-entry-only-paths: tools/site/bad.ts -> sdk/src/fleet.ts',
      'site-sdk-public-entry-only: tools/site/bad.ts -> sdk/src/fleet.ts',
      'site-sdk-public-entry-only: tools/site/bad.ts -> sdk/src/index.ts',
    ]);
    const validate = spawnSync(depcruise, ['--validate', config, 'tools/site'], { cwd: dir, encoding: 'utf8' });
    assert.is.not(validate.status, 0, 'a violation fails the check');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
