// Fetches model and asset files out of npm package tarballs into a local cache, checking
// the tarball's registry integrity (sha512) and each file's sha256. Writes are atomic
// (temp file + rename), so concurrent processes filling the same cache are safe.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { ModelError } from './errors.js';
import { modelList, type AssetSet, type ModelSet, type ModelSpec, type NpmSource } from './manifest.js';
import { extractFromTar } from './tar.js';

export interface FetchProgress {
  /** `package@version` being fetched. */
  tarball: string;
  phase: 'download' | 'extract' | 'done';
  receivedBytes: number;
  /** From Content-Length; undefined when the registry does not send it. */
  totalBytes: number | undefined;
}

export interface EnsureOptions {
  /** Cache root. Default: `$LIMEN_MODEL_DIR`, else `.cache/models` in the repository. */
  cacheDir?: string;
  /** false: never touch the network; missing files throw ModelError MODEL_MISSING. */
  download?: boolean;
  onProgress?: (p: FetchProgress) => void;
  /** npm registry base URL. Default: `$LIMEN_NPM_REGISTRY`, `$npm_config_registry`, registry.npmjs.org. */
  registry?: string;
  /** Abort a download after this long without receiving bytes. */
  idleTimeoutMs?: number;
}

export interface CachedFile {
  file: string;
  sha256: string;
  source: NpmSource;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export function defaultCacheDir(): string {
  const env = process.env.LIMEN_MODEL_DIR;
  return env && env.length > 0 ? resolve(env) : join(repoRoot, '.cache', 'models');
}

function registryBase(opt?: string): string {
  const base = opt ?? process.env.LIMEN_NPM_REGISTRY ?? process.env.npm_config_registry ?? 'https://registry.npmjs.org/';
  return base.endsWith('/') ? base : `${base}/`;
}

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

async function fileMatches(path: string, hash: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  return sha256Hex(await readFile(path)) === hash;
}

async function writeAtomic(path: string, data: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}

async function fetchJson(url: string, timeoutMs: number): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`HTTP ${res.status} for ${url}`);
  return res.json();
}

async function download(url: string, label: string, idleTimeoutMs: number, onProgress?: (p: FetchProgress) => void): Promise<Buffer> {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), idleTimeoutMs);
  const bump = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), idleTimeoutMs);
  };
  try {
    const res = await fetch(url, { signal: controller.signal });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} for ${url}`);
    const lengthHeader = res.headers.get('content-length');
    const total = lengthHeader ? Number(lengthHeader) : undefined;
    const chunks: Uint8Array[] = [];
    let received = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      bump();
      chunks.push(chunk);
      received += chunk.length;
      onProgress?.({ tarball: label, phase: 'download', receivedBytes: received, totalBytes: total });
    }
    return Buffer.concat(chunks);
  } finally {
    clearTimeout(timer);
  }
}

function checkIntegrity(data: Uint8Array, integrity: string, label: string): void {
  const expected = integrity.slice('sha512-'.length);
  const actual = createHash('sha512').update(data).digest('base64');
  if (actual !== expected) {
    throw new ModelError('INTEGRITY_MISMATCH', `${label}: tarball sha512 ${actual} does not match the manifest's ${expected}`);
  }
}

/** Downloads one package tarball and returns the wanted files, verified. */
async function fetchFromTarball(source: Omit<NpmSource, 'path'>, wanted: CachedFile[], options: EnsureOptions): Promise<Map<string, Uint8Array>> {
  const label = `${source.package}@${source.version}`;
  const registry = registryBase(options.registry);
  const idle = options.idleTimeoutMs ?? 30_000;
  let tgz: Buffer | undefined;
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3 && !tgz; attempt++) {
    try {
      const meta = (await fetchJson(`${registry}${source.package.replace('/', '%2f')}/${encodeURIComponent(source.version)}`, idle)) as {
        dist?: { tarball?: unknown; integrity?: unknown };
      };
      const url = meta.dist?.tarball;
      if (typeof url !== 'string') throw new Error(`${label}: registry metadata has no dist.tarball`);
      if (typeof meta.dist?.integrity === 'string' && meta.dist.integrity !== source.integrity) {
        throw new ModelError('INTEGRITY_MISMATCH', `${label}: registry integrity ${meta.dist.integrity} differs from the manifest's`);
      }
      tgz = await download(url, label, idle, options.onProgress);
    } catch (err) {
      if (err instanceof ModelError) throw err;
      lastError = err;
    }
  }
  if (!tgz) {
    const why = lastError instanceof Error ? lastError.message : String(lastError);
    throw new ModelError('FETCH_FAILED', `${label}: cannot fetch from ${registry}: ${why}`, { cause: lastError });
  }
  checkIntegrity(tgz, source.integrity, label);
  options.onProgress?.({ tarball: label, phase: 'extract', receivedBytes: tgz.length, totalBytes: tgz.length });
  let tar: Buffer;
  try {
    tar = gunzipSync(tgz);
  } catch (err) {
    throw new ModelError('BAD_TARBALL', `${label}: not a gzip stream`, { cause: err });
  }
  const files = extractFromTar(tar, new Set(wanted.map((w) => w.source.path)));
  const out = new Map<string, Uint8Array>();
  for (const w of wanted) {
    const data = files.get(w.source.path);
    if (!data) throw new ModelError('NOT_IN_TARBALL', `${label}: ${w.source.path} is not in the tarball`);
    const hash = sha256Hex(data);
    if (hash !== w.sha256) throw new ModelError('CHECKSUM_MISMATCH', `${label}: ${w.source.path} has sha256 ${hash}, manifest says ${w.sha256}`);
    out.set(w.file, data);
  }
  options.onProgress?.({ tarball: label, phase: 'done', receivedBytes: tgz.length, totalBytes: tgz.length });
  return out;
}

/**
 * Makes sure every file of `group` is in `<cacheDir>/<group>/` with the right sha256,
 * downloading what is missing or corrupt. Returns file name → absolute path.
 */
export async function ensureFiles(group: string, files: readonly CachedFile[], options: EnsureOptions = {}): Promise<Map<string, string>> {
  const dir = join(options.cacheDir ?? defaultCacheDir(), group);
  const paths = new Map<string, string>();
  const missing: CachedFile[] = [];
  for (const f of files) {
    const path = join(dir, f.file);
    paths.set(f.file, path);
    if (!(await fileMatches(path, f.sha256))) missing.push(f);
  }
  if (missing.length === 0) return paths;
  if (options.download === false) {
    throw new ModelError('MODEL_MISSING', `${group}: ${missing.map((m) => m.file).join(', ')} not in ${dir}; run \`npm run models\``);
  }
  const byTarball = new Map<string, CachedFile[]>();
  for (const m of missing) {
    const key = `${m.source.package}@${m.source.version}#${m.source.integrity}`;
    byTarball.set(key, [...(byTarball.get(key) ?? []), m]);
  }
  for (const group of byTarball.values()) {
    const first = group[0]!;
    const data = await fetchFromTarball(first.source, group, options);
    for (const f of group) await writeAtomic(paths.get(f.file)!, data.get(f.file)!);
  }
  return paths;
}

export type ModelPaths = Record<ModelSpec['task'], string>;

/** Ensures the four model files of `set` are cached; returns their paths by task. */
export async function ensureModelSet(set: ModelSet, options: EnsureOptions = {}): Promise<ModelPaths> {
  const list = modelList(set);
  const paths = await ensureFiles(set.name, list, options);
  const out = {} as ModelPaths;
  for (const m of list) out[m.task] = paths.get(m.file)!;
  return out;
}

/** Ensures the files of an asset set are cached; returns file name → path. */
export function ensureAssets(assets: AssetSet, options: EnsureOptions = {}): Promise<Map<string, string>> {
  return ensureFiles(assets.name, assets.files, options);
}
