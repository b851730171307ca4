/** Helpers the benches that measure a fresh process (load time, RSS) share. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TemplateCodec } from '../../firmware/security/index.js';
import { Store } from '../../firmware/store/index.js';
import type { Gallery } from '../../test/firmware/vision/matcher/fixtures.js';

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
        tpl.run(t.id, t.person, modelId, t.vector.length, store.templateCodec.encode(t.id, t.vector));
      }
    });
  } finally {
    store.close();
  }
  return performance.now() - started;
}

/**
 * Bundles a bench script (its `import.meta.url`) and the liveness worker it may start
 * the way the firmware ships: ESM, node_modules external. The bundle sits inside the
 * repo so it resolves node_modules as a shipped bundle does beside its pruned node_modules.
 */
export async function bundleScript(scriptUrl: string): Promise<{ dir: string; entry: string }> {
  const { build } = await import('esbuild');
  const script = fileURLToPath(scriptUrl);
  const name = basename(script, '.ts');
  const dir = mkdtempSync(join(ROOT, '.cache', `bench-${name}-`));
  await build({
    entryPoints: [script, join(ROOT, 'firmware/vision/liveness-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outdir: dir,
    entryNames: '[name]',
    logLevel: 'warning',
  });
  return { dir, entry: join(dir, `${name}.js`) };
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
