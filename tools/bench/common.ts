/** Helpers the benches that measure a fresh process (load time, RSS) share. */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TemplateCodec } from '../../firmware/store/index.js';
import { Store } from '../../firmware/store/index.js';
import type { Gallery } from './embeddings.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/** Resident memory: VmRSS, and its anonymous part where /proc says so. */
export function residentMemory(): { rss: number; anon: number | null } {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1]) * 1024;
    return { rss: kb('VmRSS'), anon: kb('RssAnon') };
  } catch {
    return { rss: process.memoryUsage().rss, anon: null };
  }
}

/** Writes `templates` (and their persons) into a new store at `path`; returns how long it took, ms. */
export function writeTemplateStore(path: string, templates: Gallery['templates'], modelId: string, templateCodec?: TemplateCodec): number {
  const store = Store.open({ path, terminalId: 'bench', ...(templateCodec && { templateCodec }) });
  const started = performance.now();
  try {
    const db = store.db;
    const person = db.prepare('INSERT OR IGNORE INTO persons (id, name, created_at, updated_at) VALUES (?, ?, 0, 0)');
    const tpl = db.prepare('INSERT INTO face_templates (id, person_id, model_id, dim, template, quality, created_at) VALUES (?, ?, ?, ?, ?, NULL, 0)');
    store.transaction(() => {
      for (const t of templates) {
        person.run(t.person, t.person);
        tpl.run(t.id, t.person, modelId, t.vector.length, store.templates.codec.encode(t.id, t.vector));
      }
    });
  } finally {
    store.close();
  }
  return performance.now() - started;
}

/**
 * Bundles a bench script (its `import.meta.url`) and the liveness worker it may start
 * the way the firmware ships (tools/build.ts: ESM, native modules external). The bundle
 * sits inside the repo so it resolves node_modules as a shipped bundle does beside its
 * node_modules.
 */
export async function bundleScript(scriptUrl: string): Promise<{ dir: string; entry: string }> {
  const { build } = await import('esbuild');
  const { nodeBundleOptions } = await import('../build.js');
  const script = fileURLToPath(scriptUrl);
  const name = basename(script, '.ts');
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, '.cache', `bench-${name}-`));
  await build({
    ...nodeBundleOptions(),
    entryPoints: [script, join(ROOT, 'firmware/vision/liveness-worker.ts')],
    outdir: dir,
    entryNames: '[name]',
  });
  return { dir, entry: join(dir, `${name}.js`) };
}

/** A production install laid out as docs/deploy.md describes, for benches and tests. */
export interface StagedInstall {
  /** The install root: `dist/` (npm run build), `board/limen-launch`, `node_modules` (a link to the repo's). */
  dir: string;
  /** `board/limen-launch`: runs dist/limen.mjs with the production memory settings. */
  launcher: string;
  /** `dist/limen.mjs`, to run under plain node. */
  entry: string;
  /** Environment for the firmware: the repo's model cache (an install would fetch its own). */
  env: NodeJS.ProcessEnv;
  close(): void;
}

/** Builds the production bundle into a new folder under `parent` laid out like an install. */
export async function stageInstall(parent: string): Promise<StagedInstall> {
  const { buildDist } = await import('../build.js');
  const { defaultCacheDir } = await import('../../models/fetch.js');
  const dir = mkdtempSync(join(parent, 'limen-install-'));
  try {
    const { entry } = await buildDist({ outdir: join(dir, 'dist') });
    mkdirSync(join(dir, 'board'));
    const launcher = join(dir, 'board', 'limen-launch');
    copyFileSync(join(ROOT, 'board', 'limen-launch'), launcher);
    chmodSync(launcher, 0o755);
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    return { dir, launcher, entry, env: { LIMEN_MODEL_DIR: defaultCacheDir() }, close: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Runs `node ...args` from the repo root and parses the JSON report it prints; `what` names it if it fails. */
export function runNodeProbe<T>(args: string[], env: NodeJS.ProcessEnv | undefined, what: string): T {
  const child = spawnSync(process.execPath, args, {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  if (child.status !== 0) throw new Error(`probe (${what}) failed with status ${child.status}`);
  return JSON.parse(child.stdout) as T;
}
