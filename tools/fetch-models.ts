// `npm run models`: fetch the model set (and, with --assets, the test photos) from the
// npm registry into the cache, verify them and show progress.
//
// The postinstall hook runs this with --best-effort: a failure (offline install, registry
// down) prints a warning and exits 0 so `npm ci` never breaks; the firmware then fetches
// lazily on first use, or fails with a clear MODEL_MISSING error when it cannot.
// LIMEN_SKIP_MODEL_FETCH=1 skips the hook entirely.
import { Command } from 'commander';
import { ensureAssets, ensureModelSet, defaultCacheDir, type FetchProgress } from '../models/fetch.js';
import { FACE_API_DEMO_ASSETS, modelList, resolveModelSet } from '../models/manifest.js';

const program = new Command()
  .name('fetch-models')
  .description('Fetch and verify the vision models (and optionally the test photos)')
  .option('--set <name|file.json>', 'model set name or JSON manifest (default $LIMEN_MODEL_SET or the built-in default)')
  .option('--dir <path>', 'cache folder (default $LIMEN_MODEL_DIR or .cache/models)')
  .option('--assets', 'also fetch the test photos', false)
  .option('--best-effort', 'print a warning instead of failing (used by postinstall)', false)
  .parse();

const opts = program.opts<{ set?: string; dir?: string; assets: boolean; bestEffort: boolean }>();

function progressPrinter(): (p: FetchProgress) => void {
  const tty = process.stdout.isTTY;
  let lastStep = -1;
  return (p) => {
    const mb = (n: number) => (n / 1e6).toFixed(1);
    if (p.phase === 'download') {
      const pct = p.totalBytes ? Math.floor((100 * p.receivedBytes) / p.totalBytes) : undefined;
      const text = `  ${p.tarball}: ${mb(p.receivedBytes)}${p.totalBytes ? `/${mb(p.totalBytes)}` : ''} MB${pct !== undefined ? ` (${pct}%)` : ''}`;
      if (tty) process.stdout.write(`\r${text}`);
      else if (pct !== undefined && Math.floor(pct / 25) !== lastStep) {
        lastStep = Math.floor(pct / 25);
        process.stdout.write(`${text}\n`);
      }
    } else if (p.phase === 'extract') {
      if (tty) process.stdout.write('\n');
      process.stdout.write(`  ${p.tarball}: verifying and extracting\n`);
      lastStep = -1;
    }
  };
}

async function main(): Promise<void> {
  if (opts.bestEffort && process.env.LIMEN_SKIP_MODEL_FETCH === '1') {
    process.stdout.write('limen models: skipped (LIMEN_SKIP_MODEL_FETCH=1)\n');
    return;
  }
  const cacheDir = opts.dir ?? defaultCacheDir();
  const set = resolveModelSet(opts.set);
  const onProgress = progressPrinter();
  process.stdout.write(`limen models: set ${set.name} → ${cacheDir}\n`);
  const paths = await ensureModelSet(set, { cacheDir, onProgress });
  for (const m of modelList(set)) process.stdout.write(`  ok ${m.task.padEnd(9)} ${paths[m.task]}\n`);
  if (opts.assets) {
    const files = await ensureAssets(FACE_API_DEMO_ASSETS, { cacheDir, onProgress });
    process.stdout.write(`  ok test photos (${files.size}) in ${cacheDir}/${FACE_API_DEMO_ASSETS.name}\n`);
  }
}

main().catch((err: unknown) => {
  const msg = err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err);
  if (opts.bestEffort) {
    process.stdout.write(`limen models: warning: ${msg}\n  the models will be fetched on first use; run \`npm run models\` to retry now\n`);
    process.exit(0);
  }
  process.stderr.write(`limen models: ${msg}\n`);
  process.exit(1);
});
