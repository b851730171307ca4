/**
 * npm run bench:fleet [-- --agents 500 --events 100 --rate 5000 --seconds 5 --persons 50000 --url mqtt://host:port]
 *
 * Event throughput and end-to-end latency through Mosquitto (MQTT 5): N fleet agents
 * in a child process publish to one SDK consumer in this process, which handles and
 * acknowledges every event. Next to it, in the same run and on the same broker, N
 * raw mqtt.js clients publish the same number of events (one QoS 1 message each)
 * to one raw subscriber. Two phases each: a burst (every agent logs `--events`
 * events at once: events/s until the last one is handled) and a paced load
 * (`--rate` events/s for `--seconds`: latency from the event's timestamp to the
 * handler). Then a gallery sync of `--persons` persons (one 512-d float32 template
 * each) to one terminal.
 *
 * Without --url it starts Mosquitto on a free port with a temporary config.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import mqtt from 'mqtt';
import { FleetAgent, MemoryEventSource, MemoryGallery } from '../../firmware/fleet/index.js';
import { silentLogger } from '../../firmware/log.js';
import { startBenchAgents } from './agents.js';
import { Fleet, type GallerySource, type PersonRecord } from '../../sdk/src/index.js';
import type { GalleryChange } from '../../sdk/src/protocol/index.js';

const program = new Command()
  .name('bench:fleet')
  .option('--agents <n>', 'terminals publishing events', (v) => Number(v), 500)
  .option('--events <n>', 'events per terminal in the burst', (v) => Number(v), 100)
  .option('--rate <n>', 'events per second (all terminals together) in the paced phase', (v) => Number(v), 5000)
  .option('--seconds <n>', 'length of the paced phase', (v) => Number(v), 5)
  .option('--persons <n>', 'persons in the gallery sync (0 to skip)', (v) => Number(v), 50_000)
  .option('--dim <n>', 'template dimension', (v) => Number(v), 512)
  .option('--url <url>', 'use this broker instead of starting Mosquitto')
  .option('--role <role>', '(internal) child process role: agents | raw | gallery')
  .parse();
const opts = program.opts<{ agents: number; events: number; rate: number; seconds: number; persons: number; dim: number; url?: string; role?: string }>();

const SITE = 'bench';
const say = (line: string) => process.stdout.write(`${line}\n`);

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

// ------------------------------------------------------------------ child processes

/** Publishers: `agents` (fleet agents) or `raw` (plain mqtt.js clients). Commands on stdin. */
async function publishers(url: string, role: 'agents' | 'raw'): Promise<void> {
  const n = opts.agents;
  let sources: MemoryEventSource[] = [];
  let agents: FleetAgent[] = [];
  const raws: mqtt.MqttClient[] = [];
  if (role === 'agents') {
    ({ sources, agents } = await startBenchAgents(url, SITE, n));
  } else {
    for (let i = 0; i < n; i++) {
      const c = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: `raw-${i}` });
      (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      raws.push(c);
    }
  }
  const seqs = new Array<number>(n).fill(0);
  const emit = (i: number, k: number) => {
    if (role === 'agents') sources[i]!.append({ type: 'access.granted', result: 'granted', personId: `p${k}`, data: { door: 'main' } });
    else {
      const event = { seq: ++seqs[i]!, ts: Date.now(), type: 'access.granted', result: 'granted', personId: `p${k}`, data: { door: 'main' } };
      raws[i]!.publish(`bench/raw/t${i}`, JSON.stringify(event), { qos: 1 });
    }
  };
  say('ready');
  let cpuMark = process.cpuUsage();
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, a, b] = line.split(' ');
    if (cmd === 'cpu') {
      const d = process.cpuUsage(cpuMark);
      cpuMark = process.cpuUsage();
      say(`cpu ${(d.user + d.system) / 1000}`);
      continue;
    }
    if (cmd === 'burst') {
      const per = Number(a);
      for (let k = 0; k < per; k++) for (let i = 0; i < n; i++) emit(i, k);
      say('sent');
    } else if (cmd === 'paced') {
      const rate = Number(a);
      const total = rate * Number(b);
      const start = Date.now();
      let sent = 0;
      let next = 0;
      await new Promise<void>((resolve) => {
        const tick = setInterval(() => {
          const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * rate));
          for (; sent < due; sent++) emit(next++ % n, sent);
          if (sent >= total) {
            clearInterval(tick);
            resolve();
          }
        }, 5);
      });
      say('sent');
    } else if (cmd === 'stop') break;
  }
  await Promise.all(agents.map((a) => a.stop()));
  await Promise.all(raws.map((c) => c.endAsync()));
  process.exit(0);
}

/** One terminal whose gallery decodes every template, as enrolment storage would. */
async function galleryTerminal(url: string): Promise<void> {
  const gallery = new MemoryGallery();
  let floats = 0;
  const decoding = {
    status: () => gallery.status(),
    begin: (s: Parameters<MemoryGallery['begin']>[0]) => gallery.begin(s),
    apply: (session: string, offset: number, changes: GalleryChange[]) => {
      for (const c of changes) {
        if (c.op !== 'upsert') continue;
        for (const f of c.person.faces ?? []) {
          if ('template' in f) {
            const bytes = Buffer.from(f.template.data, 'base64');
            floats += new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).length;
          }
        }
      }
      return gallery.apply(session, offset, changes);
    },
    commit: (session: string) => gallery.commit(session),
  };
  const agent = new FleetAgent({
    site: SITE,
    terminalId: 'gallery-1',
    mqtt: { url, protocolVersion: 5 },
    identity: { firmware: 'bench', board: 'sim' },
    events: new MemoryEventSource(),
    handlers: { gallery: decoding },
    logger: silentLogger(),
    healthIntervalMs: 3_600_000,
  });
  agent.start();
  await agent.whenConnected();
  say('ready');
  for await (const line of createInterface({ input: process.stdin })) if (line === 'stop') break;
  say(`decoded ${floats}`);
  await agent.stop();
  process.exit(0);
}

// ------------------------------------------------------------------ parent

interface Child {
  proc: ChildProcess;
  send(line: string): void;
  next(): Promise<string>;
}

function startChild(role: string, url: string): Child {
  const script = fileURLToPath(import.meta.url);
  const args = ['--import', 'tsx', script, '--role', role, '--url', url, '--agents', String(opts.agents), '--dim', String(opts.dim)];
  const proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else lines.push(l);
  });
  return {
    proc,
    send: (line) => proc.stdin!.write(`${line}\n`),
    next: () => (lines.length > 0 ? Promise.resolve(lines.shift()!) : new Promise((r) => waiters.push(r))),
  };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function startMosquitto(): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'limen-bench-mosq-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'max_queued_messages 1000000', 'max_inflight_messages 100', 'set_tcp_nodelay true', 'log_dest stderr', 'log_type error', 'log_type information', ''].join('\n'),
  );
  const proc = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let log = '';
    proc.on('error', (err) => reject(new Error(`cannot start mosquitto (${err.message}); install it or pass --url`)));
    proc.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (/ running/.test(log)) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`mosquitto exited with ${code}: ${log}`)));
  });
  proc.stderr!.resume();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      if (proc.exitCode === null) await new Promise<void>((r) => proc.once('exit', () => r()).kill('SIGTERM'));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Sink {
  count: number;
  latencies: number[];
  arrived: (() => void) | null;
}

/** Waits until `sink.count` reaches `target`, or gives up after `limitMs`. */
function reach(sink: Sink, target: number, limitMs: number): Promise<boolean> {
  if (sink.count >= target) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      sink.arrived = null;
      resolve(false);
    }, limitMs);
    sink.arrived = () => {
      if (sink.count >= target) {
        clearTimeout(timer);
        sink.arrived = null;
        resolve(true);
      }
    };
  });
}

interface PhaseResult {
  /** CPU ms per 1000 events (publishers' process + consumer's process), in the burst and the paced phase. */
  burstCpu: number;
  pacedCpu: number;
  eventsPerS: number;
  burstP50: number;
  burstP95: number;
  pacedP50: number;
  pacedP95: number;
  lost: number;
}

async function measure(kind: 'sdk' | 'raw', url: string): Promise<PhaseResult> {
  const sink: Sink = { count: 0, latencies: [], arrived: null };
  const record = (ts: number) => {
    sink.count++;
    sink.latencies.push(Date.now() - ts);
    sink.arrived?.();
  };
  let close: () => Promise<void>;
  if (kind === 'sdk') {
    const fleet = await Fleet.connect({ url, site: SITE, mqtt: { protocolVersion: 5 } });
    fleet.onEvent((e) => record(e.ts));
    await fleet.whenConsuming();
    close = () => fleet.close();
  } else {
    const sub = await mqtt.connectAsync(url, { protocolVersion: 5 });
    (sub.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
    sub.on('message', (_t, payload) => record((JSON.parse(payload.toString()) as { ts: number }).ts));
    await sub.subscribeAsync('bench/raw/+', { qos: 1 });
    close = () => sub.endAsync();
  }
  const child = startChild(kind === 'sdk' ? 'agents' : 'raw', url);
  const t0 = Date.now();
  if ((await child.next()) !== 'ready') throw new Error(`${kind} publishers failed to start`);
  say(`  ${kind}: ${opts.agents} publishers connected in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // Warm-up, not measured.
  child.send('burst 2');
  await child.next();
  await reach(sink, 2 * opts.agents, 60_000);

  const burst = opts.events * opts.agents;
  sink.count = 0;
  sink.latencies = [];
  child.send('cpu');
  await child.next();
  const burstCpuStart = process.cpuUsage();
  const start = performance.now();
  child.send(`burst ${opts.events}`);
  const okBurst = await reach(sink, burst, 120_000);
  const elapsed = (performance.now() - start) / 1000;
  await child.next();
  const burstLat = [...sink.latencies].sort((a, b) => a - b);
  const burstCpuHere = process.cpuUsage(burstCpuStart);
  child.send('cpu');
  const burstCpuThere = Number((await child.next()).split(' ')[1]);
  const lostBurst = okBurst ? 0 : burst - sink.count;

  const paced = opts.rate * opts.seconds;
  sink.count = 0;
  sink.latencies = [];
  child.send('cpu');
  await child.next();
  const cpuStart = process.cpuUsage();
  child.send(`paced ${opts.rate} ${opts.seconds}`);
  await child.next();
  const okPaced = await reach(sink, paced, 60_000);
  const pacedLat = [...sink.latencies].sort((a, b) => a - b);
  const cpuHere = process.cpuUsage(cpuStart);
  child.send('cpu');
  const cpuThere = Number((await child.next()).split(' ')[1]);

  child.send('stop');
  await new Promise<void>((r) => child.proc.once('exit', () => r()));
  await close();
  return {
    burstCpu: ((burstCpuThere + (burstCpuHere.user + burstCpuHere.system) / 1000) / burst) * 1000,
    pacedCpu: ((cpuThere + (cpuHere.user + cpuHere.system) / 1000) / paced) * 1000,
    eventsPerS: (okBurst ? burst : sink.count) / elapsed,
    burstP50: percentile(burstLat, 0.5),
    burstP95: percentile(burstLat, 0.95),
    pacedP50: percentile(pacedLat, 0.5),
    pacedP95: percentile(pacedLat, 0.95),
    lost: lostBurst + (okPaced ? 0 : paced - sink.count),
  };
}

function templateData(i: number, dim: number): string {
  const v = new Float32Array(dim);
  let x = (i * 2654435761) >>> 0;
  for (let k = 0; k < dim; k++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    v[k] = x / 4294967296 - 0.5;
  }
  return Buffer.from(v.buffer).toString('base64');
}

async function galleryBench(url: string): Promise<void> {
  const child = startChild('gallery', url);
  if ((await child.next()) !== 'ready') throw new Error('gallery terminal failed to start');
  const fleet = await Fleet.connect({ url, site: SITE, mqtt: { protocolVersion: 5 }, requestTimeoutMs: 30_000 });
  const n = opts.persons;
  const dim = opts.dim;
  const source: GallerySource = {
    version: 1,
    changesSince: () => null,
    *snapshot(): Generator<PersonRecord> {
      for (let i = 0; i < n; i++) {
        yield {
          id: `person-${i}`,
          name: `Person ${i}`,
          credentials: [{ type: 'card', value: String(10_000_000 + i) }],
          faces: [{ template: { model: 'mobilefacenet', format: 'f32', dim, data: templateData(i, dim) }, consent: { subject: `Person ${i}`, givenAt: 1_700_000_000_000, method: 'app' } }],
        };
      }
    },
    count: () => n,
  };
  const start = performance.now();
  let lastReport = start;
  const result = await fleet.terminal('gallery-1').gallery.sync(source, {
    onProgress: (p) => {
      const now = performance.now();
      if (now - lastReport > 5000) {
        lastReport = now;
        say(`  gallery: ${p.applied}/${p.total} after ${((now - start) / 1000).toFixed(1)} s`);
      }
    },
  });
  const seconds = (performance.now() - start) / 1000;
  child.send('stop');
  const decoded = await child.next();
  await new Promise<void>((r) => child.proc.once('exit', () => r()));
  await fleet.close();
  const mb = (n * Math.ceil((dim * 4) / 3) * 4) / 1e6;
  say(`gallery sync: ${n} persons (${dim}-d f32, ~${mb.toFixed(0)} MB of base64 templates) in ${seconds.toFixed(1)} s ` +
    `= ${(n / seconds).toFixed(0)} persons/s; terminal at version ${result.version} with ${result.size} persons (${decoded.replace('decoded ', '')} floats decoded)  [target <= 30 s]`);
}

async function main(): Promise<void> {
  if (opts.role === 'agents' || opts.role === 'raw') return publishers(opts.url!, opts.role);
  if (opts.role === 'gallery') return galleryTerminal(opts.url!);

  const broker = opts.url ? { url: opts.url, stop: async () => undefined } : await startMosquitto();
  say(`bench:fleet on ${cpus().length} cores (load ${loadavg()[0]!.toFixed(2)}), broker ${opts.url ? opts.url : 'Mosquitto (started here)'}`);
  say(`events: ${opts.agents} publishers, burst ${opts.events}/publisher (${opts.events * opts.agents} events), paced ${opts.rate}/s for ${opts.seconds} s`);
  try {
    const raw = await measure('raw', broker.url);
    const sdk = await measure('sdk', broker.url);
    const row = (name: string, r: PhaseResult) =>
      say(
        `${name.padEnd(28)} ${r.eventsPerS.toFixed(0).padStart(8)} ev/s   burst p50/p95 ${r.burstP50}/${r.burstP95} ms   ` +
          `paced p50/p95 ${r.pacedP50}/${r.pacedP95} ms   client CPU per 1000 ev: burst ${r.burstCpu.toFixed(0)} ms, paced ${r.pacedCpu.toFixed(0)} ms` +
          `${r.lost ? `   LOST ${r.lost}` : ''}`,
      );
    say('');
    row('raw mqtt.js pub/sub (QoS 1)', raw);
    row('limen agents -> SDK (acked)', sdk);
    say(`SDK / raw throughput: ${((100 * sdk.eventsPerS) / raw.eventsPerS).toFixed(0)}%  [target >= 80%]`);
    if (opts.persons > 0) {
      say('');
      await galleryBench(broker.url);
    }
  } finally {
    await broker.stop();
  }
}

await main();
