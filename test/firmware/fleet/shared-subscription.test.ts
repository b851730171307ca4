/**
 * Two backend processes on one MQTT 5 shared subscription split the event stream
 * of several terminals: every event is handled exactly once across the two, and
 * every terminal's outbox drains (acks from both consumers fold into one cursor).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hasMosquitto, startMosquitto } from '../../sdk/helpers/brokers.js';
import { startTerminal, type TestTerminal } from '../../sdk/helpers/terminal.js';
import { guard, until } from '../../sdk/helpers/wait.js';

const TERMINALS = 3;
const EVENTS_PER_TERMINAL = 2000;
const script = fileURLToPath(new URL('./helpers/consumer-process.ts', import.meta.url));

interface Consumer {
  proc: ChildProcessWithoutNullStreams;
  lines: string[];
  ready: Promise<void>;
  done: Promise<void>;
}

function consumer(url: string): Consumer {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, url, 'backends'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let readyResolve = () => {};
  const ready = new Promise<void>((r) => (readyResolve = r));
  createInterface({ input: proc.stdout }).on('line', (l) => (l === 'ready' ? readyResolve() : lines.push(l)));
  const done = new Promise<void>((resolve, reject) =>
    proc.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`consumer exited ${code}: ${stderr}`)))),
  );
  return { proc, lines, ready, done };
}

if (!hasMosquitto()) {
  console.log('skipped: shared-subscription test (mosquitto not installed)');
} else {
  test('two SDK processes on one shared subscription split the stream; nothing lost or doubled', async () => {
    const broker = await startMosquitto();
    const consumers = [consumer(broker.url), consumer(broker.url)];
    const terminals: TestTerminal[] = [];
    try {
      await guard(Promise.all(consumers.map((c) => c.ready)), 'consumers ready', 30_000);
      for (let i = 0; i < TERMINALS; i++) terminals.push(startTerminal(broker, { id: `door-${i}`, ackTimeoutMs: 30_000 }));
      await guard(Promise.all(terminals.map((t) => t.agent.whenConnected())), 'terminals connected');
      for (let n = 0; n < EVENTS_PER_TERMINAL; n++) for (const t of terminals) t.events.append({ type: 'access.granted', data: { n } });
      for (const t of terminals) {
        await until((w) => t.events.acks.add(w), () => t.events.ackedSeq() === EVENTS_PER_TERMINAL, `${t.agent.terminalId} drained`, 30_000).catch((err: Error) => {
          throw new Error(`${err.message}: ${JSON.stringify(t.agent.stats())}`);
        });
      }
      for (const c of consumers) c.proc.stdin.write('stop\n');
      await guard(Promise.all(consumers.map((c) => c.done)), 'consumers exit');

      const counts = new Map<string, number>();
      const perConsumer = consumers.map((c) => c.lines.filter((l) => !l.startsWith('stats ')));
      for (const lines of perConsumer) for (const l of lines) counts.set(l, (counts.get(l) ?? 0) + 1);
      const doubled = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
      assert.equal(doubled, [], 'no event handled twice');
      assert.is(counts.size, TERMINALS * EVENTS_PER_TERMINAL, 'every event handled');
      for (const lines of perConsumer) assert.ok(lines.length > 0.2 * TERMINALS * EVENTS_PER_TERMINAL, `each consumer takes a share (got ${lines.length})`);
    } finally {
      for (const t of terminals) await t.agent.stop();
      for (const c of consumers) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
      await broker.close();
    }
  });
}

test.run();
