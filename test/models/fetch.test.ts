// The fetcher against a registry served on 127.0.0.1 from tarballs built in the test.
import { createHash } from 'node:crypto';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModelError } from '../../models/errors.js';
import { ensureFiles, type CachedFile, type FetchProgress } from '../../models/fetch.js';
import { makeTgz } from './tarball.js';

const model = Buffer.alloc(200_000, 3);
const other = Buffer.from('second file');
const tgz = makeTgz({ 'package/model/m.onnx': model, 'package/other.txt': other, 'package/README.md': Buffer.from('x') });
const integrity = `sha512-${createHash('sha512').update(tgz).digest('base64')}`;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let server: Server;
let registry: string;
let requests: string[] = [];

test.before(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/@test%2fmodels/1.0.0') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ dist: { tarball: `${registry}tarballs/models-1.0.0.tgz`, integrity } }));
    } else if (req.url === '/tarballs/models-1.0.0.tgz') {
      res.setHeader('content-length', String(tgz.length));
      res.end(tgz);
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

test.after(() => new Promise<void>((r) => server.close(() => r())));

const source = (path: string, version = '1.0.0', integ = integrity) => ({ package: '@test/models', version, integrity: integ, path });
const files = (): CachedFile[] => [
  { file: 'm.onnx', sha256: sha(model), source: source('package/model/m.onnx') },
  { file: 'other.txt', sha256: sha(other), source: source('package/other.txt') },
];

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'limen-fetch-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function code(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(() => undefined, (e: unknown) => (e instanceof ModelError ? e.code : String(e)));
}

test('downloads one tarball for all its files, verifies, caches, reports progress', () =>
  withDir(async (dir) => {
    requests = [];
    const progress: FetchProgress[] = [];
    const paths = await ensureFiles('set-a', files(), { cacheDir: dir, registry, onProgress: (p) => progress.push(p) });
    assert.equal(await readFile(paths.get('m.onnx')!), model);
    assert.equal(await readFile(paths.get('other.txt')!), other);
    assert.equal(requests, ['/@test%2fmodels/1.0.0', '/tarballs/models-1.0.0.tgz']);
    assert.ok(progress.some((p) => p.phase === 'download' && p.totalBytes === tgz.length));
    assert.is(progress[progress.length - 1]!.phase, 'done');
    requests = [];
    await ensureFiles('set-a', files(), { cacheDir: dir, registry, download: false });
    assert.equal(requests, []); // served from the cache
    // A corrupted cache file is fetched again.
    await writeFile(paths.get('m.onnx')!, 'corrupt');
    await ensureFiles('set-a', files(), { cacheDir: dir, registry });
    assert.equal(await readFile(paths.get('m.onnx')!), model);
  }));

test('offline with an empty cache is MODEL_MISSING', () =>
  withDir(async (dir) => {
    assert.is(await code(ensureFiles('set-b', files(), { cacheDir: dir, registry, download: false })), 'MODEL_MISSING');
  }));

test('checksum, integrity and missing-path failures are reported by code; nothing is cached', () =>
  withDir(async (dir) => {
    const wrongSha = [{ ...files()[0]!, sha256: '0'.repeat(64) }];
    assert.is(await code(ensureFiles('c', wrongSha, { cacheDir: dir, registry })), 'CHECKSUM_MISMATCH');
    const wrongIntegrity = [{ ...files()[0]!, source: source('package/model/m.onnx', '1.0.0', `sha512-${Buffer.alloc(64).toString('base64')}`) }];
    assert.is(await code(ensureFiles('c', wrongIntegrity, { cacheDir: dir, registry })), 'INTEGRITY_MISMATCH');
    const missing = [{ ...files()[0]!, source: source('package/nope.onnx') }];
    assert.is(await code(ensureFiles('c', missing, { cacheDir: dir, registry })), 'NOT_IN_TARBALL');
    const unknownVersion = [{ ...files()[0]!, source: source('package/model/m.onnx', '9.9.9') }];
    assert.is(await code(ensureFiles('c', unknownVersion, { cacheDir: dir, registry })), 'FETCH_FAILED');
    assert.is(await code(ensureFiles('c', files(), { cacheDir: dir, registry: 'http://127.0.0.1:9/' })), 'FETCH_FAILED');
    assert.is(await code(ensureFiles('c', files(), { cacheDir: dir, registry, download: false })), 'MODEL_MISSING');
  }));

test.run();
