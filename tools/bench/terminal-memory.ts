/**
 * npm run bench:memory [-- --size 100000]
 *
 * Headline, production: the firmware as a terminal runs it, `limen run` from the
 * production bundle (npm run build, into a temporary install) with the sealed store
 * and face recognition on, on the sim board, started through the real launcher
 * (board/limen-launch: `node --max-semi-space-size=2`, `MALLOC_TRIM_THRESHOLD_=131072`)
 * and, for comparison, under plain `node`. RSS is read from /proc once face
 * recognition runs and the terminal has idled 1 s.
 *
 * Then, load time and resident memory of the terminal's face side alone: a store
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
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
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
import { loadDataKey, loadOrCreateDataKey } from '../../firmware/security/index.js';
import { plainTemplateCodec, sealedTemplateCodec, Store } from '../../firmware/store/index.js';
import { clusteredGallery, gaussian, randomUnit, rng } from './embeddings.js';
import { bundleScript, mb, residentMemory, runNodeProbe, stageInstall, writeTemplateStore, type StagedInstall } from './common.js';

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

interface FirmwareResult {
  templates: number | null;
  loadMs: number | null;
  /** Process start to "face recognition running", ms. */
  readyMs: number;
  rss: number;
  anon: number | null;
  exitCode: number | null;
  error?: string;
}

/** VmRSS and RssAnon of another process, from /proc. */
function processMemory(pid: number): { rss: number; anon: number | null } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon') || null };
}

/**
 * Runs `limen run --config <config>` (`command` + `args`), waits for face recognition
 * to run (from its JSON log), idles 1 s, reads its memory, stops it with SIGTERM.
 */
async function runFirmware(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<FirmwareResult> {
  const started = performance.now();
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let running: { templates?: number; loadMs?: number } | null = null;
  let failure: string | undefined;
  // Read the log until face recognition runs (or fails, or the process ends); keep draining it after.
  await new Promise<void>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (running || failure || !line.startsWith('{')) return;
      const entry = JSON.parse(line) as { msg?: string; templates?: number; loadMs?: number };
      if (entry.msg === 'face recognition running') running = entry;
      else if (entry.msg?.startsWith('face recognition unavailable')) failure = entry.msg;
      if (running || failure) resolve();
    });
    void exited.then(() => resolve());
  });
  const readyMs = performance.now() - started;
  let memory: { rss: number; anon: number | null } = { rss: 0, anon: null };
  if (running) {
    await sleep(1000); // idle, as a door at rest
    memory = processMemory(child.pid!);
  }
  child.kill('SIGTERM');
  const exitCode = await exited;
  const found = running as { templates?: number; loadMs?: number } | null;
  const error = failure ?? (found ? undefined : `exited with ${exitCode} before face recognition ran`);
  return { templates: found?.templates ?? null, loadMs: found?.loadMs ?? null, readyMs, ...memory, exitCode, ...(error !== undefined && { error }) };
}

/** The headline figures: limen run from the production bundle, through the launcher and under plain node. */
async function productionFigures(install: StagedInstall, dir: string, store: { path: string; key: string }, runs: number): Promise<void> {
  const configPath = join(dir, 'limen.config.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      version: 1,
      terminal: { id: 'bench' },
      board: 'sim',
      store: { path: store.path, dataKeyPath: store.key },
      panel: { host: '127.0.0.1', port: 0 },
      face: { enabled: true },
    }),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, ...install.env, LIMEN_LOG_LEVEL: 'info' };
  delete env.MALLOC_TRIM_THRESHOLD_;
  const args = ['run', '--config', configPath];
  const variants: Array<[string, () => Promise<FirmwareResult>]> = [
    ['board/limen-launch (production)', () => runFirmware(install.launcher, args, env)],
    ['plain node', () => runFirmware(process.execPath, [install.entry, ...args], env)],
  ];
  console.log(
    `\nProduction: limen run from the npm run build bundle, sealed store, face on, sim board; ` +
      `RSS once face recognition runs + 1 s idle; ${runs} runs each: highest RSS, lowest load time:`,
  );
  for (const [label, run] of variants) {
    const results: FirmwareResult[] = [];
    for (let i = 0; i < runs; i++) results.push(await run());
    const failed = results.find((r) => r.error !== undefined);
    if (failed) {
      console.log(`  ${label.padEnd(34)} failed: ${failed.error}`);
      continue;
    }
    const largest = results.reduce((a, b) => (b.rss > a.rss ? b : a));
    const fastest = results.reduce((a, b) => ((b.loadMs ?? Infinity) < (a.loadMs ?? Infinity) ? b : a));
    const exits = [...new Set(results.map((r) => r.exitCode))].join(', ');
    console.log(
      `  ${label.padEnd(34)} RSS ${mb(largest.rss).padStart(6)} (anon ${largest.anon === null ? '?' : mb(largest.anon)}; target <= 400 MB); ` +
        `${largest.templates} templates loaded in ${fastest.loadMs ?? '?'} ms, face running ${fastest.readyMs.toFixed(0)} ms after start; exit on SIGTERM: ${exits}`,
    );
  }
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
  let install: StagedInstall | null = null;
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
    install = await stageInstall(dir);
    await productionFigures(install, dir, { path: stores.sealed.path, key: keyPath }, runs);
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
    console.log(`\nThe face side alone: store + FaceService ready (gallery, then the vision models), RSS after 100 searches and 1 s idle; esbuild bundle under plain node; ` +
        `${runs} runs each: lowest load time, highest RSS:`);
    for (const [label, tuning] of tunings) {
      for (const kind of ['plain', 'sealed'] as const) console.log(line(`${kind.padEnd(6)} ${label}`, runAll(kind, tuning)));
    }
    console.log(' node --import tsx (npm start, the limen bin):');
    console.log(line('sealed node', runAll('sealed', { tsx: true })));
    console.log(line('sealed both', runAll('sealed', { tsx: true, nodeFlags: semi, env: trim })));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    install?.close();
    if (bundled) rmSync(bundled.dir, { recursive: true, force: true });
  }
}

await main();
