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
  const seen = new Promise<{ relay: boolean; errors: string[] }>((resolve) => {
    const errors: string[] = [];
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.type === 'error') errors.push(msg.code);
      if (msg.type === 'state' && msg.state.relayActive) resolve({ relay: true, errors });
    });
  });
  // Garbage first: the running terminal must shrug it off and still open for the real card.
  ws.send(JSON.stringify({ op: 'card', value: 'DROP TABLE' }));
  ws.send(JSON.stringify({ op: 'card', value: '4242' }));
  const { relay, errors } = await seen;
  ws.close();
  assert.ok(relay, 'relay energised');
  assert.equal(errors, ['BAD_FRAME']);

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
