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

/** Every source folder the rules speak of (tests are free to import anything). */
const SOURCES = ['firmware', 'hal', 'board', 'models', 'sdk/src', 'tools'];

/** Writes a miniature repository: the tsconfig paths of this one, and the given files. */
function miniature(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'limen-depcruise-'));
  const all: Record<string, string> = {
    'tsconfig.json': JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', paths: { '@limen/sdk': ['./sdk/src/index.ts'], '@limen/sdk/protocol': ['./sdk/src/protocol/index.ts'] } },
    }),
    ...files,
  };
  for (const [p, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

/** The violations depcruise reports in a miniature repository, and that --validate fails there. */
function violationsIn(files: Record<string, string>, ...paths: string[]): string[] {
  const dir = miniature(files);
  try {
    const found = cruise(dir, ...paths);
    const validate = spawnSync(depcruise, ['--validate', config, ...paths], { cwd: dir, encoding: 'utf8' });
    assert.is.not(validate.status, 0, 'a violation fails the check');
    return found;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const exporting = (name: string) => `export const ${name} = 1;\n`;
const importing = (...specs: string[]) => specs.map((s, i) => `import { x as x${i} } from '${s}';`).join('\n') + '\nexport const y = 1;\n';

test('the tree obeys every rule (depcruise --validate exits 0)', () => {
  const r = spawnSync(depcruise, ['--validate', config, ...SOURCES], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /no dependency violations found/);
});

test('tools/site importing terminal code, or the SDK other than as @limen/sdk or @limen/sdk/protocol, is reported', () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-depcruise-'));
  const files: Record<string, string> = {
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', paths: { '@limen/sdk': ['./sdk/src/index.ts'], '@limen/sdk/protocol': ['./sdk/src/protocol/index.ts'] } } }),
    'sdk/src/index.ts': "export { Fleet } from './fleet.js';\n",
    'sdk/src/fleet.ts': 'export class Fleet {}\n',
    'sdk/src/protocol/index.ts': 'export const LIMITS = {};\n',
    'firmware/terminal.ts': 'export const terminal = 1;\n',
    'hal/gpio.ts': 'export const gpio = 1;\n',
    'tools/site/good.ts': "import { Fleet } from '@limen/sdk';\nimport { LIMITS } from '@limen/sdk/protocol';\nexport const f = [Fleet, LIMITS];\n",
    'tools/site/bad.ts': [
      "import { terminal } from '../../firmware/terminal.js';",
      "import { gpio } from '../../hal/gpio.js';",
      "import { Fleet } from '../../sdk/src/fleet.js';",
      "import * as sdk from '../../sdk/src/index.js';",
      "import * as protocol from '../../sdk/src/protocol/index.js';",
      'export const all = [terminal, gpio, Fleet, sdk, protocol];',
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
      'site-sdk-public-entry-only: tools/site/bad.ts -> sdk/src/protocol/index.ts',
    ]);
    const validate = spawnSync(depcruise, ['--validate', config, 'tools/site'], { cwd: dir, encoding: 'utf8' });
    assert.is.not(validate.status, 0, 'a violation fails the check');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the SDK importing terminal code, and the HAL importing the firmware or the SDK, are reported', () => {
  const files = {
    'firmware/a.ts': 'export const x = 1;\n',
    'hal/a.ts': 'export const x = 1;\n',
    'models/a.ts': 'export const x = 1;\n',
    'board/a.ts': 'export const x = 1;\n',
    'sdk/src/index.ts': 'export const x = 1;\n',
    'sdk/src/bad.ts': importing('../../firmware/a.js', '../../hal/a.js', '../../models/a.js', '../../board/a.js'),
    'sdk/src/fleet.ts': 'export const x = 1;\n',
    'hal/bad.ts': importing('../firmware/a.js', '../sdk/src/fleet.js', '@limen/sdk'),
  };
  assert.equal(violationsIn(files, 'sdk', 'hal'), [
    'hal-not-to-firmware-or-sdk: hal/bad.ts -> firmware/a.ts',
    'hal-not-to-firmware-or-sdk: hal/bad.ts -> sdk/src/fleet.ts',
    'hal-not-to-firmware-or-sdk: hal/bad.ts -> sdk/src/index.ts',
    'sdk-not-to-terminal-code: sdk/src/bad.ts -> board/a.ts',
    'sdk-not-to-terminal-code: sdk/src/bad.ts -> firmware/a.ts',
    'sdk-not-to-terminal-code: sdk/src/bad.ts -> hal/a.ts',
    'sdk-not-to-terminal-code: sdk/src/bad.ts -> models/a.ts',
  ]);
});

test('models importing the firmware, HAL or boards, and a board importing the firmware, are reported', () => {
  const files = {
    'firmware/config/load.ts': 'export const x = 1;\n',
    'hal/coded-error.ts': 'export const x = 1;\n',
    'board/types.ts': 'export const x = 1;\n',
    'models/errors.ts': importing('../hal/coded-error.js', '../firmware/config/load.js', '../board/types.js'),
    'board/index.ts': importing('../firmware/config/load.js', './types.js', '../hal/coded-error.js'),
  };
  assert.equal(violationsIn(files, 'models', 'board'), [
    'board-not-to-firmware: board/index.ts -> firmware/config/load.ts',
    'models-not-to-terminal-code: models/errors.ts -> board/types.ts',
    'models-not-to-terminal-code: models/errors.ts -> firmware/config/load.ts',
    'models-not-to-terminal-code: models/errors.ts -> hal/coded-error.ts',
  ]);
});

test('firmware importing a driver or a tool is reported; HAL interfaces, frame formats and the board factory are not', () => {
  const drivers = [
    'hal/gpio/native.ts',
    'hal/serial/rdm6300.ts',
    'hal/serial/pn532/reader.ts',
    'hal/osdp/control-panel.ts',
    'hal/wiegand/gpio-reader.ts',
    'hal/wiegand/serial-reader.ts',
    'hal/wiegand/index.ts',
    'hal/camera/process-camera.ts',
    'hal/camera/sources.ts',
    'hal/camera/index.ts',
    'hal/display/ssd1306.ts',
    'hal/display/index.ts',
  ];
  const allowed = ['hal/camera.ts', 'hal/camera/formats.ts', 'hal/display.ts', 'hal/reader.ts', 'hal/wiegand/decode.ts', 'board/index.ts'];
  const files: Record<string, string> = { 'tools/cli/run.ts': 'export const x = 1;\n' };
  for (const p of [...drivers, ...allowed]) files[p] = 'export const x = 1;\n';
  files['firmware/face/camera.ts'] = importing(...[...drivers, ...allowed, 'tools/cli/run.ts'].map((p) => `../../${p.replace(/\.ts$/, '.js')}`));
  // The board factory is where drivers are picked.
  files['board/devices.ts'] = importing(...drivers.map((p) => `../${p.replace(/\.ts$/, '.js')}`));
  assert.equal(
    violationsIn(files, 'firmware', 'board'),
    [...drivers.map((d) => `firmware-no-driver: firmware/face/camera.ts -> ${d}`), 'firmware-not-to-tools: firmware/face/camera.ts -> tools/cli/run.ts'].sort(),
  );
});

test("firmware importing the SDK other than as '@limen/sdk/protocol' is reported", () => {
  const files = {
    'sdk/src/index.ts': "export * from './protocol/index.js';\n",
    'sdk/src/protocol/index.ts': "export * from './ids.js';\n",
    'sdk/src/protocol/ids.ts': 'export const x = 1;\n',
    'firmware/good.ts': importing('@limen/sdk/protocol'),
    'firmware/bad.ts': importing('../sdk/src/protocol/ids.js', '../sdk/src/protocol/index.js', '@limen/sdk'),
  };
  assert.equal(violationsIn(files, 'firmware'), [
    'firmware-protocol-export-only: firmware/bad.ts -> sdk/src/index.ts',
    'firmware-protocol-export-only: firmware/bad.ts -> sdk/src/protocol/ids.ts',
    'firmware-protocol-via-package: firmware/bad.ts -> sdk/src/protocol/ids.ts',
    'firmware-protocol-via-package: firmware/bad.ts -> sdk/src/protocol/index.ts',
  ]);
});

test('a bench importing a test fixture is reported', () => {
  const files = {
    'test/sdk/helpers/brokers.ts': 'export const x = 1;\n',
    'tools/bench/embeddings.ts': 'export const x = 1;\n',
    'tools/bench/site.ts': importing('../../test/sdk/helpers/brokers.js', './embeddings.js'),
  };
  assert.equal(violationsIn(files, 'tools'), ['bench-no-test-fixtures: tools/bench/site.ts -> test/sdk/helpers/brokers.ts']);
});

test('an import cycle between firmware modules, or between firmware folders, is reported', () => {
  const files = {
    // Module cycle: the terminal and its fleet agent.
    'firmware/terminal.ts': importing('./fleet/terminal-agent.js'),
    'firmware/fleet/terminal-agent.ts': importing('../terminal.js'),
    // Folder cycle without a module cycle: store -> security/sealed, security/erase -> store/store.
    'firmware/store/store.ts': importing('../security/sealed.js'),
    'firmware/security/sealed.ts': 'export const x = 1;\n',
    'firmware/security/erase.ts': importing('../store/store.js'),
    // One way is fine.
    'firmware/access/service.ts': importing('../security/sealed.js'),
  };
  assert.equal(violationsIn(files, 'firmware'), [
    'firmware-no-circular-folders: firmware/security -> firmware/store',
    'firmware-no-circular-folders: firmware/store -> firmware/security',
    // depcruise names a module cycle once, at the first module it walks.
    'firmware-no-circular: firmware/fleet/terminal-agent.ts -> firmware/terminal.ts',
  ]);
});

test.run();
