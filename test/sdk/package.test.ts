/**
 * @limen/sdk as a backend installs it: `npm run build` in a copy of the package emits
 * dist/, `npm pack` ships dist/ and no sources, plain `node` imports the built ESM, and
 * `tsc` (NodeNext) typechecks a consumer against the emitted .d.ts only (the sources are
 * removed first). The consumer is the example of sdk/README.md, so the README stays true.
 *
 * Layout in a temp dir, mirroring the repo:
 *   tsconfig.json                          copy of the root tsconfig (tsconfig.build.json extends it)
 *   sdk/                                   copy of package.json, README.md, LICENSE, tsconfig.build.json, src/
 *   node_modules/@limen/sdk -> ../../sdk   as installed
 *   node_modules/<dependency>              links to the repo's copies, only what sdk/package.json
 *                                          declares (plus @types/node), so an undeclared import fails
 *   app/                                   the consumer: check.mjs, consumer.ts, wrong.ts
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SDK = join(ROOT, 'sdk');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

const manifest = JSON.parse(readFileSync(join(SDK, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  exports: Record<string, unknown>;
};

// Plain node, no tsx: nothing inherited that would load TypeScript.
const { NODE_OPTIONS: _nodeOptions, ...plainEnv } = process.env;
const env = { ...plainEnv, PATH: [join(ROOT, 'node_modules/.bin'), plainEnv.PATH ?? ''].join(delimiter) };

function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8' });
}

function output(r: SpawnSyncReturns<string>): string {
  return `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}`;
}

function link(target: string, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path, 'dir');
}

/** The ```ts block of sdk/README.md. */
function readmeExample(): string {
  const m = /```ts\n([\s\S]*?)```/.exec(readFileSync(join(SDK, 'README.md'), 'utf8'));
  if (!m?.[1]) throw new Error('sdk/README.md has no ```ts example');
  return m[1];
}

const dir = mkdtempSync(join(tmpdir(), 'limen-sdk-package-'));
const pkg = join(dir, 'sdk');
const app = join(dir, 'app');
let build: SpawnSyncReturns<string>;
let packed: { files: { path: string }[] }[] = [];

test.before(() => {
  cpSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  for (const f of ['package.json', 'README.md', 'LICENSE', 'tsconfig.build.json', 'src']) cpSync(join(SDK, f), join(pkg, f), { recursive: true });
  for (const dep of [...Object.keys(manifest.dependencies ?? {}), '@types/node']) {
    link(join(ROOT, 'node_modules', dep), join(dir, 'node_modules', dep));
  }
  link(pkg, join(dir, 'node_modules/@limen/sdk'));

  build = run('npm', ['run', 'build', '--silent'], pkg);
  if (build.status === 0) {
    const r = run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], pkg);
    if (r.status === 0) packed = JSON.parse(r.stdout) as typeof packed;
    else throw new Error(`npm pack failed:\n${output(r)}`);
  }
  // From here on the package is what a consumer installs: no TypeScript sources to fall back on.
  rmSync(join(pkg, 'src'), { recursive: true });
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ type: 'module', private: true }));
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('npm run build emits ESM, declarations and declaration maps into dist/', () => {
  assert.is(build.status, 0, output(build));
  const index = readFileSync(join(pkg, 'dist/index.js'), 'utf8');
  assert.match(index, /^export \{ Fleet \} from '\.\/fleet\.js';$/m);
  assert.match(readFileSync(join(pkg, 'dist/index.d.ts'), 'utf8'), /export \{ Fleet,/);
  assert.match(readFileSync(join(pkg, 'dist/fleet.d.ts.map'), 'utf8'), /"sources":\["\.\.\/src\/fleet\.ts"\]/);
});

test('the exports map points consumers at dist/ only', () => {
  assert.equal(manifest.exports, {
    '.': { types: './dist/index.d.ts', import: './dist/index.js' },
    './protocol': { types: './dist/protocol/index.d.ts', import: './dist/protocol/index.js' },
  });
});

test('npm pack ships dist/, the README and package.json, and no sources or build config', () => {
  const files = (packed[0]?.files ?? []).map((f) => f.path);
  for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts', 'dist/index.d.ts.map', 'dist/protocol/index.js']) {
    assert.ok(files.includes(f), `${f} missing from ${files.join(', ')}`);
  }
  const unwanted = files.filter((f) => !(f === 'package.json' || f === 'README.md' || f === 'LICENSE' || f.startsWith('dist/')));
  assert.equal(unwanted, []);
  assert.not.ok(files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), 'a .ts source is packed');
  assert.not.ok(files.some((f) => /\.test\./.test(f)), 'a test file is packed');
});

test('plain node imports the built package with every runtime export of src/index.ts', async () => {
  const source = (await import('../../sdk/src/index.js')) as Record<string, unknown>;
  const expected = Object.fromEntries(Object.entries(source).map(([k, v]) => [k, typeof v]));
  writeFileSync(
    join(app, 'check.mjs'),
    `import * as sdk from '@limen/sdk';
import * as protocol from '@limen/sdk/protocol';
const kinds = Object.fromEntries(Object.entries(sdk).map(([k, v]) => [k, typeof v]));
const facts = {
  connect: typeof sdk.Fleet.connect,
  offlineIsFleetError: sdk.OfflineError.prototype instanceof sdk.FleetError,
  rejectedIsFleetError: sdk.RejectedError.prototype instanceof sdk.FleetError,
  snapshotVersion: sdk.gallerySnapshot(3, []).version,
  protocolVersion: typeof sdk.protocol.PROTOCOL_VERSION,
  subpathIsTheProtocol: protocol.EVENT_TYPES === sdk.protocol.EVENT_TYPES && protocol.EVENT_TYPES.includes('door.unlocked'),
};
console.log(JSON.stringify({ kinds, facts }));
`,
  );
  const r = run(process.execPath, ['check.mjs'], app);
  assert.is(r.status, 0, output(r));
  const got = JSON.parse(r.stdout) as { kinds: Record<string, string>; facts: Record<string, unknown> };
  assert.equal(got.kinds, expected);
  assert.ok(Object.keys(expected).length >= 10, 'index.ts exports suspiciously little');
  assert.equal(got.facts, {
    connect: 'function',
    offlineIsFleetError: true,
    rejectedIsFleetError: true,
    snapshotVersion: 3,
    protocolVersion: 'number',
    subpathIsTheProtocol: true,
  });
});

test('tsc (NodeNext) compiles the README example against dist/*.d.ts and rejects wrong calls', () => {
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        // Check the SDK's own declarations too; third-party ones are not ours to fix.
        skipLibCheck: false,
        types: ['node'],
      },
      files: ['consumer.ts', 'wrong.ts'],
    }),
  );
  writeFileSync(
    join(app, 'consumer.ts'),
    `${readmeExample()}
import { issueVisitorPass, signerFromPem, type FleetEvent, type TerminalInfo, type PersonRecord } from '@limen/sdk';
import type { EventType } from '@limen/sdk/protocol';
const first: TerminalInfo | undefined = fleet.terminals()[0];
const seq: number = ({} as FleetEvent).seq;
const person: PersonRecord = { id: 'emp-1', name: 'Ada', credentials: [{ type: 'card', value: '04A3' }] };
const svg: string = issueVisitorPass({} as Parameters<typeof issueVisitorPass>[0], signerFromPem('')).svg;
// Known events switch exhaustively; the protocol's types come from the subpath export.
function kind(e: FleetEvent): EventType | 'unknown' {
  if (!e.known) return 'unknown';
  switch (e.type) {
    case 'door.unlocked': return e.data?.source === 'remote' ? e.type : 'door.unlocked';
    default: return e.type;
  }
}
export { first, seq, person, svg, kind };
`,
  );
  // Each line marked `// error` must fail to compile, and nothing else may.
  writeFileSync(
    join(app, 'wrong.ts'),
    `import { Fleet, OfflineError } from '@limen/sdk';
const fleet = await Fleet.connect({ url: 'mqtt://broker:1883', site: 'hq' });
await fleet.terminal('door-1').unlock({ durationMs: 'soon' }); // error
await Fleet.connect({ url: 'mqtt://broker:1883' }); // error
const code: number = new OfflineError('door-1').code; // error
fleet.onEvent((e) => e.sequence); // error
fleet.onEvent((e) => {
  if (!e.known) return;
  switch (e.type) {
    case 'door.opened': return;
    default: { const missed: never = e; return missed; } // error
  }
});
export {};
`,
  );
  const r = run(process.execPath, [TSC, '-p', app, '--listFiles'], app);
  const out = output(r);
  const lines = out.split('\n');
  const compiled = lines.filter((l) => l.startsWith('/'));
  const diagnostics = lines.filter((l) => !l.startsWith('/')).join('\n');
  assert.is.not(r.status, 0, diagnostics);
  assert.ok(compiled.some((l) => l.endsWith('/sdk/dist/index.d.ts')), `not compiled against dist/index.d.ts:\n${compiled.join('\n')}`);
  assert.not.ok(compiled.some((l) => l.includes('/sdk/src/')), 'compiled against the sources');

  const errors = [...diagnostics.matchAll(/^(\S+?)\((\d+),\d+\): error (TS\d+)/gm)].map((m) => `${m[1]}:${m[2]}`);
  const wrongLines = readFileSync(join(app, 'wrong.ts'), 'utf8').split('\n');
  const expected = wrongLines.flatMap((l, i) => (l.endsWith('// error') ? [`wrong.ts:${i + 1}`] : []));
  assert.equal([...new Set(errors)], expected, diagnostics);
});

test.run();
