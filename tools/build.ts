/**
 * npm run build [-- --outdir DIR]
 *
 * The production bundle a terminal runs (docs/deploy.md), with esbuild into `dist/`:
 *
 *   terminal.mjs         the shipped terminal (firmware/main.ts): what board/limen-launch runs
 *                        for `run`; the firmware only, no development tool (ESM, node20)
 *   limen.mjs            the `limen` CLI for the operator (doctor, persons, events, ...; its
 *                        `limen run` runs the same firmware), ESM, node20
 *   liveness-worker.js   the liveness model's worker thread; firmware/vision/parallel-liveness
 *                        loads `./liveness-worker.js` beside the module that runs it, which
 *                        in the bundle is limen.mjs
 *   assets/<source path> the pages the kiosk, control panel and site console read beside their
 *                        own module (`new URL('./page.html', import.meta.url)`)
 *   package.json         `{"type": "module"}`, so the worker's .js loads as ESM wherever dist/ sits
 *
 * Pure-JS dependencies are bundled; native and optional modules stay external and load
 * from the node_modules beside dist/ (`npm ci --omit=dev`).
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { consoleAppOptions } from './site/console/app-options.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Packages that cannot be bundled: native addons, their loaders, and optional native speed-ups. */
export const EXTERNAL_PACKAGES: readonly string[] = [
  'better-sqlite3',
  'onnxruntime-node',
  'sharp',
  'serialport',
  '@serialport/*',
  'onoff',
  'i2c-bus',
  'epoll',
  // Password hashing of the site server (tools/site): a native addon per platform.
  '@node-rs/*',
  // ws's optional native helpers (it works without them).
  'bufferutil',
  'utf-8-validate',
];

/**
 * Modules that read files beside themselves, and those files (relative to the module).
 * In the bundle their `import.meta.url` points at `assets/<module path>`, where the files
 * are copied. A module that reads a file beside itself and is not listed fails the build.
 */
export const MODULE_ASSETS: Readonly<Record<string, readonly string[]>> = {
  'firmware/kiosk/server.ts': ['page.html', 'sim.html'],
  'tools/panel/server.ts': ['page.html'],
  'tools/site/console/assets.ts': ['web/index.html'],
};

/** Modules that resolve a sibling entry point, which the build emits beside limen.mjs instead. */
const SIBLING_ENTRIES: Readonly<Record<string, string>> = {
  'firmware/vision/parallel-liveness.ts': 'liveness-worker',
};

const WORKER_SOURCE = 'firmware/vision/liveness-worker.ts';
const TERMINAL_SOURCE = 'firmware/main.ts';
const CONSOLE_APP = 'tools/site/console/web/app.js';
const CONSOLE_SERVER = 'tools/site/console/assets.ts';

export interface DistOptions {
  /** Output folder (emptied first). Default `dist/` in the repository. */
  outdir?: string;
  /** Minify the bundles (smaller files; stack traces name fewer functions). Default false. */
  minify?: boolean;
}

export interface DistFile {
  /** Relative to outdir. */
  path: string;
  bytes: number;
}

export interface DistResult {
  outdir: string;
  /** The CLI bundle: run it with node. */
  entry: string;
  /** The terminal's bundle (firmware/main.ts): board/limen-launch runs it for `run`. */
  terminal: string;
  files: DistFile[];
}

const posix = (path: string) => path.split(sep).join('/');
const fromRoot = (path: string) => posix(relative(ROOT, path));

/** Files importing `new URL('./x', import.meta.url)`: a read (or worker) beside the module. */
const SIBLING_URL = /new URL\(\s*[`'"]\.{1,2}\//;

/**
 * Points `import.meta.url` of the modules in MODULE_ASSETS at their copied assets, and
 * refuses modules that read a sibling file the bundle would not carry.
 */
function moduleAssetsPlugin(): Plugin {
  return {
    name: 'limen-module-assets',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url') || !SIBLING_URL.test(source)) return undefined;
        const module = fromRoot(args.path);
        if (SIBLING_ENTRIES[module]) return undefined;
        if (!MODULE_ASSETS[module]) {
          return { errors: [{ text: `${module} reads a file beside itself (new URL(..., import.meta.url)): list it in MODULE_ASSETS in tools/build.ts` }] };
        }
        const base = `new URL(${JSON.stringify(`./assets/${module.replace(/\.ts$/, '.js')}`)}, import.meta.url).href`;
        return { contents: source.replaceAll('import.meta.url', base), loader: 'ts' };
      });
    },
  };
}

/**
 * The console bundles its browser app with esbuild when it starts, and esbuild is a
 * development dependency. In the bundle, its `build` is replaced by one that returns
 * the app bundled here, with the console's own options.
 */
function prebuiltConsoleAppPlugin(appJs: string): Plugin {
  return {
    name: 'limen-prebuilt-console-app',
    setup(b) {
      b.onResolve({ filter: /^esbuild$/ }, (args) => {
        if (fromRoot(args.importer) !== CONSOLE_SERVER) {
          return { errors: [{ text: `${fromRoot(args.importer)} imports esbuild, a development dependency the production bundle cannot load` }] };
        }
        return { path: 'console-app', namespace: 'limen-prebuilt' };
      });
      b.onLoad({ filter: /.*/, namespace: 'limen-prebuilt' }, () => ({
        contents: `const text = ${JSON.stringify(appJs)};\nexport async function build() { return { outputFiles: [{ text }] }; }\n`,
        loader: 'js',
      }));
    },
  };
}

/** Packages and folders the shipped terminal must not carry: the build fails if one is reached. */
export const NOT_IN_TERMINAL = { packages: ['aedes', 'esbuild', 'commander', 'fastify', 'pg', 'kysely'], folders: ['tools/', 'test/'] } as const;

/** Fails the terminal bundle's build when it reaches a development tool (see NOT_IN_TERMINAL). */
function terminalOnlyPlugin(): Plugin {
  const packages = new RegExp(`^(${NOT_IN_TERMINAL.packages.join('|')})(/|$)`);
  return {
    name: 'limen-terminal-only',
    setup(b) {
      b.onResolve({ filter: packages }, (args) => ({
        errors: [{ text: `${fromRoot(args.importer)} imports ${args.path}, which the terminal bundle (firmware/main.ts) must not carry` }],
      }));
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const module = fromRoot(args.path);
        if (!NOT_IN_TERMINAL.folders.some((f) => module.startsWith(f))) return undefined;
        return { errors: [{ text: `the terminal bundle (firmware/main.ts) reaches ${module}, a development tool` }] };
      });
    },
  };
}

async function consoleApp(): Promise<string> {
  const result = await build(consoleAppOptions(join(ROOT, CONSOLE_APP)));
  return result.outputFiles[0]!.text;
}

/** esbuild options shared by the CLI, the worker and the bench bundles. */
export function nodeBundleOptions(minify = false): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: [...EXTERNAL_PACKAGES],
    minify,
    logLevel: 'warning',
    // Bundled CommonJS packages call require() and read __dirname; an ES module has neither.
    banner: {
      js: [
        "import { createRequire as __limenCreateRequire } from 'node:module';",
        "import { fileURLToPath as __limenFileURLToPath } from 'node:url';",
        'const require = __limenCreateRequire(import.meta.url);',
        'const __filename = __limenFileURLToPath(import.meta.url);',
        "const __dirname = __limenFileURLToPath(new URL('.', import.meta.url));",
      ].join('\n'),
    },
  };
}

/** Builds the production bundle into `outdir` (emptied first). */
export async function buildDist(options: DistOptions = {}): Promise<DistResult> {
  const outdir = resolve(options.outdir ?? join(ROOT, 'dist'));
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const shared = nodeBundleOptions(options.minify ?? false);
  const appJs = await consoleApp();
  await Promise.all([
    build({
      ...shared,
      entryPoints: [join(ROOT, 'tools/limen.ts')],
      outfile: join(outdir, 'limen.mjs'),
      plugins: [moduleAssetsPlugin(), prebuiltConsoleAppPlugin(appJs)],
    }),
    build({
      ...shared,
      entryPoints: [join(ROOT, TERMINAL_SOURCE)],
      outfile: join(outdir, 'terminal.mjs'),
      plugins: [terminalOnlyPlugin(), moduleAssetsPlugin()],
    }),
    build({ ...shared, entryPoints: [join(ROOT, WORKER_SOURCE)], outfile: join(outdir, `${SIBLING_ENTRIES['firmware/vision/parallel-liveness.ts']}.js`) }),
  ]);
  for (const [module, files] of Object.entries(MODULE_ASSETS)) {
    for (const file of files) {
      const from = join(ROOT, dirname(module), file);
      const to = join(outdir, 'assets', dirname(module), file);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(from, to);
    }
  }
  writeFileSync(join(outdir, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
  return { outdir, entry: join(outdir, 'limen.mjs'), terminal: join(outdir, 'terminal.mjs'), files: listFiles(outdir) };
}

function listFiles(outdir: string): DistFile[] {
  const files: DistFile[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else files.push({ path: posix(relative(outdir, path)), bytes: st.size });
    }
  };
  walk(outdir);
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} kB`;

async function main(): Promise<void> {
  const { Command } = await import('commander');
  const o = new Command('build')
    .description('bundle the firmware and CLI for a terminal (see docs/deploy.md)')
    .option('--outdir <dir>', 'output folder (default dist/)')
    .option('--minify', 'minify the bundles')
    .parse()
    .opts<{ outdir?: string; minify?: boolean }>();
  const started = performance.now();
  const result = await buildDist({ ...(o.outdir !== undefined && { outdir: o.outdir }), ...(o.minify && { minify: true }) });
  for (const f of result.files) console.log(`  ${kb(f.bytes).padStart(8)}  ${f.path}`);
  const total = result.files.reduce((sum, f) => sum + f.bytes, 0);
  console.log(`  ${kb(total).padStart(8)}  total in ${relative(process.cwd(), result.outdir) || '.'} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
