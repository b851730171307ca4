/**
 * npm run bench:match [-- --sizes 10000,50000,100000 --queries 200 --threads 1 --load-size 100000]
 *
 * 1. Speed and exactness at several gallery sizes (512-d): the default matcher
 *    (int8 onnxruntime scan + float16 re-rank) against a float32 gallery's plain
 *    JavaScript scan, which is the reference "exact float search". Top-1
 *    agreement is counted for the float16 re-rank alone and with its exact
 *    float32 fallback for near ties (`exactTemplates`).
 * 2. Load time and RSS of a 100k gallery read from the store's face_templates
 *    table, each in a fresh process: run as production runs it (an esbuild
 *    bundle under plain node) and under `node --import tsx`, without the four
 *    vision models, with them loaded before the gallery (the firmware's order
 *    today) and after it.
 *
 * Data: synthetic clustered embeddings (2 templates per person, people crowded
 * into look-alike groups), seeded, so every run measures the same thing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { defaultCacheDir } from '../../models/fetch.js';
import { Store } from '../../firmware/store/index.js';
import type { FaceEngine } from '../../firmware/vision/engine.js';
import { exactTemplatesFrom, loadTemplates } from '../../firmware/face/gallery.js';
import { Matcher, type TemplateStorage } from '../../firmware/vision/matcher/index.js';
import { clusteredGallery, gaussian, jitter, randomUnit, rng, type Gallery } from './embeddings.js';
import { bundleScript, mb, residentMemory, runNodeProbe, writeTemplateStore } from './common.js';

const MODEL_ID = 'bench-512';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function ms(values: number[]): string {
  return `p50 ${percentile(values, 0.5).toFixed(2)}  p95 ${percentile(values, 0.95).toFixed(2)}`;
}

const pct = (n: number, of: number) => `${n}/${of} (${((100 * n) / of).toFixed(1)}%)`;

async function benchSize(gallery: Gallery, size: number, dim: number, queryCount: number, threads: number): Promise<void> {
  const people = size / 2;
  const templates = gallery.templates.slice(0, size);
  const byId = new Map(templates.map((t) => [t.id, t.vector]));
  // The float32 fallback can be switched off, to count what float16 alone gets right.
  let fallback = false;
  const matcher = new Matcher({
    dim,
    threads,
    exactTemplates: (ids) => ids.map((id) => (fallback ? byId.get(id) : null)),
  });
  const reference = new Matcher({ dim, storage: 'float32', fastPath: 'float' });
  try {
    for (const t of templates) {
      matcher.add(t.id, t.person, t.vector);
      reference.add(t.id, t.person, t.vector);
    }
    const indexStart = performance.now();
    await matcher.flush();
    const indexMs = performance.now() - indexStart;

    const normal = gaussian(rng(size));
    const pick = rng(size + 1);
    const queries: Float32Array[] = [];
    for (let i = 0; i < queryCount; i++) {
      // Three in four are enrolled people seen again; the rest are strangers.
      queries.push(i % 4 === 3 ? randomUnit(dim, normal) : jitter(gallery.centres[Math.floor(pick() * people)]!, 0.6, normal));
    }

    for (const q of queries.slice(0, 10)) await matcher.search(q); // warm-up
    const timed = async (withFallback: boolean) => {
      fallback = withFallback;
      const times: number[] = [];
      const top: string[] = [];
      for (const q of queries) {
        const t = performance.now();
        const hits = await matcher.search(q, 1);
        times.push(performance.now() - t);
        top.push(hits[0]!.templateId);
      }
      return { times, top };
    };
    const before = matcher.rerankStats;
    const alone = await timed(false);
    const ambiguous = matcher.rerankStats.ambiguous - before.ambiguous;
    const withFallback = await timed(true);

    const exact: number[] = [];
    let agreeAlone = 0;
    let agreeFallback = 0;
    for (const [i, q] of queries.entries()) {
      const t = performance.now();
      const hits = reference.searchExact(q, 1);
      exact.push(performance.now() - t);
      if (hits[0]!.templateId === alone.top[i]) agreeAlone++;
      if (hits[0]!.templateId === withFallback.top[i]) agreeFallback++;
    }
    const s = matcher.stats;
    console.log(
      `${String(size).padStart(7)} templates (${s.segments} segments, indexed in ${indexMs.toFixed(0)} ms)\n` +
        `   int8 onnx scan + float16 re-rank          ms/query ${ms(alone.times)}\n` +
        `     + float32 fallback for near ties        ms/query ${ms(withFallback.times)}\n` +
        `   plain float32 JS scan (reference)         ms/query ${ms(exact)}\n` +
        `   top-1 = float32 exact search: float16 alone ${pct(agreeAlone, queries.length)}, ` +
        `with fallback ${pct(agreeFallback, queries.length)}; near ties needing float32 ${pct(ambiguous, queries.length)}`,
    );
  } finally {
    await matcher.close();
    await reference.close();
  }
}

type VisionOrder = 'none' | 'before' | 'after';

interface ProbeResult {
  loaded: number;
  loadMs: number;
  readMs: number;
  indexMs: number;
  rssStart: number;
  /** What loading the vision models added to RSS (null without them). */
  visionDelta: number | null;
  rss: number;
  anon: number | null;
  heapUsed: number;
  arrayBuffers: number;
  searchP50: number;
  searchP95: number;
  ambiguous: number;
  resolved: number;
  searches: number;
  visionError?: string;
}

interface ProbeOptions {
  path: string;
  dim: number;
  threads: number;
  storage: TemplateStorage;
  vision: VisionOrder;
  modelDir: string;
}

/** Child mode: open the store, load the gallery (and the vision models), search a little, report. */
async function probe({ path, dim, threads, storage, vision, modelDir }: ProbeOptions): Promise<void> {
  const rssStart = residentMemory().rss;
  const engines: FaceEngine[] = [];
  let visionDelta: number | null = null;
  let visionError: string | undefined;
  const loadVision = async () => {
    try {
      // Imported only here, so "gallery only" loads no vision code or native image library.
      const { FaceEngine } = await import('../../firmware/vision/engine.js');
      const before = residentMemory().rss;
      engines.push(await FaceEngine.create({ cacheDir: modelDir }));
      visionDelta = residentMemory().rss - before;
    } catch (err) {
      visionError = err instanceof Error ? err.message : String(err);
    }
  };
  if (vision === 'before') await loadVision();
  const store = Store.open({ path, terminalId: 'bench' });
  // Wired as the firmware should: float16 rows, float32 from the store for near ties.
  const matcher = new Matcher({ dim, threads, storage, exactTemplates: exactTemplatesFrom(store.templates, MODEL_ID) });
  const started = performance.now();
  const result = await loadTemplates(store.templates, matcher, MODEL_ID);
  const loadMs = performance.now() - started;
  if (vision === 'after') await loadVision();
  const normal = gaussian(rng(99));
  const times: number[] = [];
  for (let i = 0; i < 110; i++) {
    const t = performance.now();
    await matcher.search(randomUnit(dim, normal), 1);
    times.push(performance.now() - t);
  }
  const mem = process.memoryUsage();
  const resident = residentMemory();
  const report: ProbeResult = {
    loaded: result.loaded,
    loadMs,
    readMs: result.readMs,
    indexMs: result.indexMs,
    rssStart,
    visionDelta,
    rss: resident.rss,
    anon: resident.anon,
    heapUsed: mem.heapUsed,
    arrayBuffers: mem.arrayBuffers,
    searchP50: percentile(times.slice(10), 0.5),
    searchP95: percentile(times.slice(10), 0.95),
    ...matcher.rerankStats,
    ...(visionError !== undefined && { visionError }),
  };
  process.stdout.write(JSON.stringify(report));
  await matcher.close();
  store.close();
  for (const engine of engines) await engine.close();
}

async function main(): Promise<void> {
  const program = new Command()
    .option('--sizes <list>', 'gallery sizes', '10000,50000,100000')
    .option('--dim <n>', 'template length', '512')
    .option('--queries <n>', 'queries per size', '200')
    .option('--threads <n>', 'onnxruntime threads per scan', '1')
    .option('--load-size <n>', 'templates for the SQLite load and RSS test (0 skips it)', '100000')
    .option('--probe <db>', '(internal) child mode: load this store and report')
    .option('--storage <kind>', '(internal) template storage for the probe', 'float16')
    .option('--vision <order>', '(internal) none, before or after the gallery', 'none')
    .option('--model-dir <dir>', '(internal) vision model cache for the probe')
    .parse();
  const o = program.opts<{
    sizes: string;
    dim: string;
    queries: string;
    threads: string;
    loadSize: string;
    probe?: string;
    storage: TemplateStorage;
    vision: VisionOrder;
    modelDir?: string;
  }>();
  const dim = Number(o.dim);
  const threads = Number(o.threads);
  if (o.probe) return probe({ path: o.probe, dim, threads, storage: o.storage, vision: o.vision, modelDir: o.modelDir ?? defaultCacheDir() });

  const sizes = o.sizes.split(',').filter(Boolean).map(Number);
  const loadSize = Number(o.loadSize);
  const largest = Math.max(...sizes, loadSize);
  console.log(`bench:match  dim ${dim}, ${o.queries} queries per size, ${threads} onnxruntime thread(s), ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`);
  const genStart = performance.now();
  const gallery = clusteredGallery(Math.ceil(largest / 2), 2, dim, 42);
  console.log(`generated ${largest} clustered templates in ${((performance.now() - genStart) / 1000).toFixed(1)} s\n`);

  for (const size of sizes) await benchSize(gallery, size, dim, Number(o.queries), threads);
  if (!(loadSize > 0)) return;

  const dir = mkdtempSync(join(tmpdir(), 'limen-bench-match-'));
  let bundled: { dir: string; entry: string } | null = null;
  try {
    const path = join(dir, 'store.db');
    const writeMs = writeTemplateStore(path, gallery.templates.slice(0, loadSize), MODEL_ID);
    gallery.templates.length = 0; // the probes below need none of it
    bundled = await bundleScript(import.meta.url);
    console.log(
      `\nLoad of ${loadSize} templates from SQLite (written in ${(writeMs / 1000).toFixed(1)} s) into the default matcher ` +
        `(float16 rows, float32 from the store for near ties), each in a fresh process; RSS after 100 searches:`,
    );
    const runtimes = {
      bundle: (args: string[]) => [bundled!.entry, ...args],
      tsx: (args: string[]) => ['--import', 'tsx', fileURLToPath(import.meta.url), ...args],
    };
    interface Tuning {
      storage?: TemplateStorage;
      nodeFlags?: string[];
      env?: NodeJS.ProcessEnv;
    }
    const runProbe = (runtime: keyof typeof runtimes, vision: VisionOrder, tuning: Tuning = {}): ProbeResult => {
      const storage = tuning.storage ?? 'float16';
      const args = ['--probe', path, '--dim', String(dim), '--threads', String(threads), '--storage', storage, '--vision', vision, '--model-dir', defaultCacheDir()];
      return runNodeProbe<ProbeResult>([...(tuning.nodeFlags ?? []), ...runtimes[runtime](args)], tuning.env, `${runtime}, vision ${vision}`);
    };
    const describe: Record<VisionOrder, string> = {
      none: 'gallery only',
      before: 'vision models, then gallery',
      after: 'gallery, then vision models',
    };
    const line = (label: string, r: ProbeResult) => {
      if (r.visionError) return `  ${label.padEnd(46)} skipped: vision models unavailable (${r.visionError})`;
      const vision = r.visionDelta !== null ? `, vision models +${mb(r.visionDelta)}` : '';
      return (
        `  ${label.padEnd(46)} RSS ${mb(r.rss).padStart(6)} (anon ${r.anon === null ? '?' : mb(r.anon)}; at start ${mb(r.rssStart)}${vision}; ` +
        `typed arrays ${mb(r.arrayBuffers)}, JS heap ${mb(r.heapUsed)})\n` +
        `  ${''.padEnd(46)} load ${r.loadMs.toFixed(0)} ms (read ${r.readMs.toFixed(0)} + index ${r.indexMs.toFixed(0)}; target <= 2000), ` +
        `search p50 ${r.searchP50.toFixed(2)} p95 ${r.searchP95.toFixed(2)} ms, near ties read from the store ${r.resolved}/${r.searches}`
      );
    };
    for (const runtime of ['bundle', 'tsx'] as const) {
      console.log(runtime === 'bundle' ? ' esbuild bundle under plain node (as production runs):' : ' node --import tsx:');
      for (const vision of ['none', 'before', 'after'] as const) console.log(line(describe[vision], runProbe(runtime, vision)));
    }
    console.log(' for comparison (bundle):');
    console.log(line('float32 rows, vision models first', runProbe('bundle', 'before', { storage: 'float32' })));
    // Two process settings the launcher can pass. A small young generation makes V8
    // collect the SQLite BLOB buffers of the load sooner (and keeps ~20 MB fewer
    // young pages); fixed glibc thresholds return more freed heap.
    const semi = ['--max-semi-space-size=2'];
    const trim = { MALLOC_TRIM_THRESHOLD_: '131072' };
    console.log(line('node --max-semi-space-size=2, vision first', runProbe('bundle', 'before', { nodeFlags: semi })));
    console.log(line('node --max-semi-space-size=2, gallery first', runProbe('bundle', 'after', { nodeFlags: semi })));
    console.log(line('MALLOC_TRIM_THRESHOLD_=131072, vision first', runProbe('bundle', 'before', { env: trim })));
    console.log(line('both settings, vision first', runProbe('bundle', 'before', { nodeFlags: semi, env: trim })));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (bundled) rmSync(bundled.dir, { recursive: true, force: true });
  }
}

await main();
