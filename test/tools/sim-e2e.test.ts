import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';

// The README's promise, end to end with real processes: `limen sim` serves the panel,
// a card added with `limen card add` (another process, same database) opens the
// virtual door, and the decision shows up in `limen events`.
const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'limen-e2e-'));
const db = join(dir, 'terminal.db');
let sim: ChildProcess | undefined;

function limen(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), '--db', db, ...args], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`limen ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

async function startSim(): Promise<string> {
  sim = spawn(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), '--db', db, 'sim', '--port', '0'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: sim.stdout! })) {
    const m = /^Control panel: (http:\/\/\S+)/.exec(line);
    if (m?.[1]) return m[1];
  }
  throw new Error('limen sim exited before printing its URL');
}

test('a card added with the CLI opens the running sim door and appears in limen events', async () => {
  const url = await startSim();
  assert.match(await (await fetch(url)).text(), /Limen sim board/);
  limen('person', 'add', '--id', 'carol', '--name', 'Carol');
  limen('card', 'add', '--person', 'carol', '4242');

  const ws = new WebSocket(`${url.replace('http', 'ws')}ws`);
  await once(ws, 'open');
  const next = (match: (msg: { type: string; code?: string; state?: { relayActive: boolean } }) => boolean) =>
    new Promise<void>((resolve) => {
      const onMessage = (data: WebSocket.RawData) => {
        if (!match(JSON.parse(String(data)))) return;
        ws.off('message', onMessage);
        resolve();
      };
      ws.on('message', onMessage);
    });
  // Garbage first: the running terminal must answer with a coded error and still open for the real card.
  const rejected = next((m) => m.type === 'error' && m.code === 'BAD_FRAME');
  ws.send(JSON.stringify({ op: 'card', value: 'DROP TABLE' }));
  await rejected;
  const opened = next((m) => m.type === 'state' && m.state?.relayActive === true);
  ws.send(JSON.stringify({ op: 'card', value: '4242' }));
  await opened;
  ws.close();

  const events = limen('events', '--person', 'carol', '--since', '10m', '--json')
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; credentialRef: string });
  assert.is(events[0]?.type, 'access.granted');
  assert.is(events[0]?.credentialRef, '4242');
});

test.after(async () => {
  if (sim && sim.exitCode === null) {
    sim.kill('SIGTERM');
    await once(sim, 'exit');
  }
  rmSync(dir, { recursive: true, force: true });
});
test.run();
