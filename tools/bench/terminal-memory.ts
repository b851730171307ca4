/**
 * npm run bench:memory [-- --size 100000]
 *
 * Load time and resident memory of the terminal's face side as it starts: a store
 * of `size` templates (the default model set's, 512-d) opened with the plain or
 * the sealed (AES-256-GCM) template codec, and a FaceService started on it (the
 * gallery loads first, then the four vision models), each in a fresh process run
 * from an esbuild bundle under plain node, as production runs. Then with the
 * launcher settings that return freed memory: `node --max-semi-space-size=2` and
 * `MALLOC_TRIM_THRESHOLD_=131072`.
 *
 * Each is run `--runs` times (default 3): the lowest load time is reported (other
 * processes on the machine only ever add to it), and the highest RSS.
 *
 * Targets (issue 3): the gallery loads in <= 2 s; RSS stays <= 400 MB.
 * Data: synthetic clustered embeddings (see bench:match), seeded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { systemClock } from '../../hal/clock.js';
import { SimCamera } from '../../hal/sim/camera.js';
import { DEFAULT_MODEL_SET, resolveModelSet } from '../../models/manifest.js';
import { defaultConfig } from '../../firmware/config/index.js';
import { FaceService } from '../../firmware/face/index.js';
import { createLogger } from '../../firmware/log.js';
import { loadDataKey, loadOrCreateDataKey, plainTemplateCodec, sealedTemplateCodec } from '../../firmware/security/index.js';
import { Store } from '../../firmware/store/index.js';
import { clusteredGallery, gaussian, randomUnit, rng } from '../../test/firmware/vision/matcher/fixtures.js';
import { bundleScript, mb, residentMemory, runNodeProbe, writeTemplateStore } from './common.js';

interface ProbeResult {
  templates: number;
  /** Gallery read, decoded and indexed, as the face service logs it. */
  loadMs: number | null;
  /** Of which: reading and decoding rows, and indexing them for the int8 scan. */
  readMs: number | null;
  indexMs: number | null;
  /** FaceService start to running (gallery + models). */
  readyMs: number;
  state: string;
  error?: string;
  rssStart: number;
  rss: number;
  anon: number | null;
  heapUsed: number;
  arrayBuffers: number;
}

/** Child mode: open the store, start a FaceService on it, search a little, report. */
async function probe(path: string, keyPath: string | undefined): Promise<void> {
  const rssStart = residentMemory().rss;
  const templateCodec = keyPath ? sealedTemplateCodec(loadDataKey(keyPath)) : plainTemplateCodec;
  // The service logs its load time; read it from the log instead of timing around it.
  let load: { loadMs?: number; readMs?: number; indexMs?: number } = {};
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.includes('face recognition running')) continue;
        load = JSON.parse(line) as typeof load;
      }
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const store = Store.open({ path, terminalId: 'bench', templateCodec, logger });
  const face = new FaceService({
    config: defaultConfig('bench', { face: { enabled: true } }).face,
    store,
    camera: { camera: new SimCamera({ clock: systemClock }), description: 'sim camera', owned: true },
    sink: {
      present: () => Promise.reject(new Error('no faces in this bench')),
      prompt: () => {},
    },
    logger,
  });
  const started = performance.now();
  const status = await face.whenReady();
  const readyMs = performance.now() - started;
  const gallery = face.gallery;
  if (gallery) {
    const normal = gaussian(rng(99));
    for (let i = 0; i < 100; i++) await gallery.search(randomUnit(gallery.matcher.dim, normal), 1);
  }
  await sleep(1000); // the matcher's idle re-index and V8's idle collection, as on a door at rest
  const mem = process.memoryUsage();
  const resident = residentMemory();
  const report: ProbeResult = {
    templates: status.templates,
    loadMs: load.loadMs ?? null,
    readMs: load.readMs ?? null,
    indexMs: load.indexMs ?? null,
    readyMs,
    state: status.state,
    ...(status.error && { error: status.error.message }),
    rssStart,
    rss: resident.rss,
    anon: resident.anon,
    heapUsed: mem.heapUsed,
    arrayBuffers: mem.arrayBuffers,
  };
  process.stdout.write(JSON.stringify(report));
  await face.close();
  store.close();
}

async function main(): Promise<void> {
  const o = new Command()
    .option('--size <n>', 'templates in the store', '100000')
    .option('--runs <n>', 'fresh processes per variant', '3')
    .option('--probe <db>', '(internal) child mode: start a face service on this store and report')
    .option('--key <file>', '(internal) the data key of a sealed store')
    .parse()
    .opts<{ size: string; runs: string; probe?: string; key?: string }>();
  if (o.probe) return probe(o.probe, o.key);

  const size = Number(o.size);
  if (!(Number.isInteger(size) && size > 0)) throw new Error('--size must be a positive integer');
  const runs = Number(o.runs);
  if (!(Number.isInteger(runs) && runs > 0)) throw new Error('--runs must be a positive integer');
  const modelSet = resolveModelSet(DEFAULT_MODEL_SET);
  const dim = modelSet.models.embed.dims;
  console.log(`bench:memory  ${size} templates of ${modelSet.name} (${dim}-d), ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`);
  const dir = mkdtempSync(join(tmpdir(), 'limen-bench-memory-'));
  let bundled: { dir: string; entry: string } | null = null;
  try {
    const gallery = clusteredGallery(Math.ceil(size / 2), 2, dim, 42);
    gallery.templates.length = size;
    const keyPath = join(dir, 'data.key');
    const stores = {
      plain: { path: join(dir, 'plain.db'), key: undefined as string | undefined },
      sealed: { path: join(dir, 'sealed.db'), key: keyPath },
    };
    const plainMs = writeTemplateStore(stores.plain.path, gallery.templates, modelSet.name, plainTemplateCodec);
    const sealedMs = writeTemplateStore(stores.sealed.path, gallery.templates, modelSet.name, sealedTemplateCodec(loadOrCreateDataKey(keyPath)));
    gallery.templates.length = 0;
    console.log(`stores written: plain ${(plainMs / 1000).toFixed(1)} s, sealed ${(sealedMs / 1000).toFixed(1)} s`);
    bundled = await bundleScript(import.meta.url);

    interface Tuning {
      nodeFlags?: string[];
      env?: NodeJS.ProcessEnv;
      /** Run the TypeScript through `node --import tsx` (as `npm start` and the `limen` bin do) instead of the bundle. */
      tsx?: boolean;
    }
    const run = (kind: keyof typeof stores, tuning: Tuning): ProbeResult => {
      const s = stores[kind];
      const args = ['--probe', s.path, ...(s.key ? ['--key', s.key] : [])];
      const entry = tuning.tsx ? ['--import', 'tsx', fileURLToPath(import.meta.url)] : [bundled!.entry];
      return runNodeProbe<ProbeResult>([...(tuning.nodeFlags ?? []), ...entry, ...args], tuning.env, kind);
    };
    /** Lowest load time, highest RSS of `runs` fresh processes. */
    const runAll = (kind: keyof typeof stores, tuning: Tuning): ProbeResult => {
      const results = Array.from({ length: runs }, () => run(kind, tuning));
      const fastest = results.reduce((a, b) => ((b.loadMs ?? Infinity) < (a.loadMs ?? Infinity) ? b : a));
      const largest = results.reduce((a, b) => (b.rss > a.rss ? b : a));
      return { ...largest, loadMs: fastest.loadMs, readMs: fastest.readMs, indexMs: fastest.indexMs, readyMs: fastest.readyMs };
    };
    const line = (label: string, r: ProbeResult) => {
      if (r.state !== 'running') return `  ${label.padEnd(44)} face service ${r.state}: ${r.error ?? '?'}`;
      return (
        `  ${label.padEnd(44)} RSS ${mb(r.rss).padStart(6)} (anon ${r.anon === null ? '?' : mb(r.anon)}; at start ${mb(r.rssStart)}; ` +
        `typed arrays ${mb(r.arrayBuffers)}, JS heap ${mb(r.heapUsed)}; target <= 400 MB)\n` +
        `  ${''.padEnd(44)} ${r.templates} templates loaded in ${r.loadMs ?? '?'} ms (read + decode ${r.readMs ?? '?'}, index ${r.indexMs ?? '?'}; target <= 2000), ` +
        `face service running after ${r.readyMs.toFixed(0)} ms`
      );
    };
    const semi = ['--max-semi-space-size=2'];
    const trim = { MALLOC_TRIM_THRESHOLD_: '131072' };
    const tunings: Array<[string, Tuning]> = [
      ['node', {}],
      ['node --max-semi-space-size=2', { nodeFlags: semi }],
      ['MALLOC_TRIM_THRESHOLD_=131072', { env: trim }],
      ['both', { nodeFlags: semi, env: trim }],
    ];
    console.log(`\nStore + FaceService ready (gallery, then the vision models), RSS after 100 searches and 1 s idle; esbuild bundle under plain node; ` +
        `${runs} runs each: lowest load time, highest RSS:`);
    for (const [label, tuning] of tunings) {
      for (const kind of ['plain', 'sealed'] as const) console.log(line(`${kind.padEnd(6)} ${label}`, runAll(kind, tuning)));
    }
    console.log(' node --import tsx (npm start, the limen bin):');
    console.log(line('sealed node', runAll('sealed', { tsx: true })));
    console.log(line('sealed both', runAll('sealed', { tsx: true, nodeFlags: semi, env: trim })));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (bundled) rmSync(bundled.dir, { recursive: true, force: true });
  }
}

await main();
