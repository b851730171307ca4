/**
 * Brokers for tests and benches: aedes in this process (MQTT 3.1.1) and a real Mosquitto
 * started on a free port with a temporary config (MQTT 5). Both can be stopped
 * and started again on the same port, for outage tests.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import aedesModule from 'aedes';

// aedes is CommonJS: the default import is its constructor. Only these two methods are used.
interface AedesBroker {
  handle(socket: Socket): void;
  close(cb: () => void): void;
}
const Aedes = aedesModule as unknown as new () => AedesBroker;

export interface TestBroker {
  name: 'aedes' | 'mosquitto';
  url: string;
  port: number;
  protocolVersion: 4 | 5;
  /** Takes the broker down (clients see the connection drop). */
  stop(): Promise<void>;
  /** Brings it back on the same port. */
  start(): Promise<void>;
  /** Stops it and removes temp files. */
  close(): Promise<void>;
}

export function hasMosquitto(): boolean {
  return spawnSync('sh', ['-c', 'command -v mosquitto'], { stdio: 'ignore' }).status === 0;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function startAedes(): Promise<TestBroker> {
  const port = await freePort();
  let server: Server | null = null;
  let broker: AedesBroker | null = null;
  const sockets = new Set<Socket>();
  const start = async () => {
    broker = new Aedes();
    const b = broker;
    server = createServer({ noDelay: true }, (sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      b.handle(sock);
    });
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
  };
  const stop = async () => {
    const s = server;
    const b = broker;
    server = null;
    broker = null;
    if (!s || !b) return;
    await new Promise<void>((r) => b.close(() => r()));
    for (const sock of sockets) sock.destroy();
    await new Promise<void>((r) => s.close(() => r()));
  };
  await start();
  return { name: 'aedes', url: `mqtt://127.0.0.1:${port}`, port, protocolVersion: 4, start, stop, close: stop };
}

export async function startMosquitto(): Promise<TestBroker> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'limen-mosq-'));
  const conf = join(dir, 'mosquitto.conf');
  // Queues sized for a backend that falls behind a burst from many terminals.
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'max_queued_messages 100000',
      'max_inflight_messages 100',
      'set_tcp_nodelay true',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      '',
    ].join('\n'),
  );
  let proc: ChildProcess | null = null;
  const start = async () => {
    const p = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc = p;
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        p.kill('SIGKILL');
        reject(new Error(`mosquitto did not start: ${log}`));
      }, 10_000);
      p.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
        if (/ running/.test(log)) {
          clearTimeout(timer);
          resolve();
        }
      });
      p.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`mosquitto exited with ${code}: ${log}`));
      });
    });
    p.stderr!.resume();
  };
  const stop = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((r) => {
      p.once('exit', () => r());
      p.kill('SIGKILL');
    });
  };
  await start();
  return {
    name: 'mosquitto',
    url: `mqtt://127.0.0.1:${port}`,
    port,
    protocolVersion: 5,
    start,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
