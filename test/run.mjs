#!/usr/bin/env node
// Runs every test file in its own Node process (tsx loader), two at a time, and
// prints one summary line `N passed, N failed, N skipped` that CI reads.
// Usage: node test/run.mjs [filter-substring ...]
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);
const parallel = Number(process.env.LIMEN_TEST_JOBS ?? Math.max(1, Math.min(2, cpus().length)));
const perFileTimeoutMs = Number(process.env.LIMEN_TEST_TIMEOUT_MS ?? 5 * 60_000);

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

const files = findTests(join(root, 'test')).filter(
  (f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)),
);

function runFile(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', LIMEN_LOG_LEVEL: process.env.LIMEN_LOG_LEVEL ?? 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[test/run] timed out after ${perFileTimeoutMs} ms, killed\n`;
      child.kill('SIGKILL');
    }, perFileTimeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ file, code, signal, output });
    });
  });
}

function count(output, label) {
  let n = 0;
  for (const m of output.matchAll(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'gm'))) n += Number(m[1]);
  return n;
}

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
const queue = [...files];
const started = Date.now();

async function worker() {
  for (let file = queue.shift(); file; file = queue.shift()) {
    const r = await runFile(file);
    const name = relative(root, file);
    const total = count(r.output, 'Total');
    const ok = count(r.output, 'Passed');
    const skips = count(r.output, 'Skipped') + (r.output.match(/^skipped: /gm) ?? []).length;
    let bad = Math.max(0, total - ok - count(r.output, 'Skipped'));
    if (r.code !== 0 && bad === 0) bad = 1; // crashed or failed outside a test
    passed += ok;
    failed += bad;
    skipped += skips;
    const status = bad > 0 ? 'FAIL' : 'ok  ';
    process.stdout.write(`${status} ${name}  (${ok} passed${bad ? `, ${bad} failed` : ''}${skips ? `, ${skips} skipped` : ''})\n`);
    for (const line of r.output.split('\n')) if (/^skipped: /.test(line)) process.stdout.write(`     ${line}\n`);
    if (bad > 0) failures.push(r);
  }
}

await Promise.all(Array.from({ length: parallel }, worker));

for (const r of failures) {
  process.stdout.write(`\n===== ${relative(root, r.file)} (exit ${r.code ?? r.signal}) =====\n${r.output}\n`);
}
process.stdout.write(`\n${files.length} test files in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
