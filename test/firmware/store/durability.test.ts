// Durability: a writer process appends events and acknowledges each one on stdout
// after it was committed; it is SIGKILLed at random moments and restarted on the
// same file. Afterwards every acknowledged event must be there, the file must pass
// PRAGMA integrity_check, and seqs must never have been reused.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Store } from '../../../firmware/store/index.js';
import { rng } from '../vision/matcher/fixtures.js'; // seeded, so a failing run can be replayed

const KILLS = 20;
const writer = fileURLToPath(new URL('./durability-writer.ts', import.meta.url));


interface Run {
  acked: number[];
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Starts the writer and SIGKILLs it once `killAfter` acks arrived; resolves with every ack seen. */
function runWriter(path: string, killAfter: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', writer, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let partial = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) acked.push(Number(line));
      if (acked.length >= killAfter && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    });
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('error', reject);
    // 'close' waits for stdout to drain: acks already written before the kill are all counted.
    // A partial last line is an ack the writer never finished printing, so it is not counted.
    proc.on('close', (_code, signal) => resolve({ acked, signal, stderr }));
  });
}

test(`every acknowledged event survives ${KILLS} SIGKILLs; integrity ok; seqs never reused`, async () => {
  const seed = Number(process.env.LIMEN_DURABILITY_SEED ?? 20260105);
  const random = rng(seed);
  const dir = mkdtempSync(join(tmpdir(), 'limen-durability-'));
  const path = join(dir, 'terminal.db');
  try {
    const acked: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const killAfter = 1 + Math.floor(random() * 200);
      const run = await runWriter(path, killAfter);
      assert.is(run.signal, 'SIGKILL', `run ${k} (seed ${seed}) ended without being killed: ${run.stderr}`);
      assert.ok(run.acked.length >= killAfter, `run ${k}: ${run.acked.length} acks, expected >= ${killAfter}`);
      for (const seq of run.acked) {
        assert.ok(Number.isSafeInteger(seq), `run ${k}: bad ack line ${seq}`);
        const prev = acked.at(-1) ?? 0;
        assert.ok(seq > prev, `run ${k} (seed ${seed}): seq ${seq} acked after ${prev}: reused or out of order`);
        acked.push(seq);
      }
    }

    const raw = new Database(path);
    try {
      assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
      const stored = new Set(raw.prepare('SELECT seq FROM events').pluck().all() as number[]);
      const lost = acked.filter((s) => !stored.has(s));
      assert.equal(lost, [], `acknowledged events lost (seed ${seed})`);
    } finally {
      raw.close();
    }

    const store = Store.open({ path, terminalId: 'durability' });
    try {
      const all = store.events.query({ limit: 10_000 });
      for (let i = 1; i < all.length; i++) assert.ok(all[i]!.seq > all[i - 1]!.seq);
      assert.ok(store.events.latestSeq() >= acked.at(-1)!);
      const next = store.events.append({ type: 'door.opened' });
      assert.ok(next.seq > acked.at(-1)!, 'a new event after the kills gets a fresh seq');
    } finally {
      store.close();
    }
    console.log(`durability: ${KILLS} kills, ${acked.length} acknowledged events, 0 lost (seed ${seed})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
