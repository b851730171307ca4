/**
 * npm run bench:alerts [-- --runs 20]
 *
 * Alert latency end to end: a whole sim terminal (sim board, SQLite store, fleet agent)
 * and `limen site` (runSite, SQLite) on Mosquitto (aedes in-process when Mosquitto is
 * not installed). A watch-listed resident's card is presented at the sim reader — a card,
 * not a face frame: the face pipeline's own time is measured by `bench:vision`, and a
 * card isolates what alerts add. Each run times from `present(card)` to
 * - the `alert` message on the console's WebSocket (`/api/live`, logged in as a guard):
 *   `pop-up: p50 X ms, p95 Y ms`;
 * - the signed webhook arriving at a local HTTP receiver: `webhook: p50 X ms, p95 Y ms`.
 * Runs are sequential. Target p50 ≤ 300 ms. Figures only, no assertions.
 */
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import WebSocket from 'ws';
import { defaultConfig } from '../../firmware/config/index.js';
import { silentLogger } from '../../firmware/log.js';
import { Terminal } from '../../firmware/terminal.js';
import { runSite } from '../site/cli.js';
import { addListMember, createPerson, createStaff, createWebhookEndpoint, putAlertList, putAlertRule } from '../site/store/index.js';
import { hasMosquitto, startAedes, startMosquitto } from './brokers.js';

const opts = new Command()
  .option('--runs <n>', 'cards presented', (v) => Number(v), 20)
  .parse()
  .opts<{ runs: number }>();

const say = (s: string) => process.stdout.write(`${s}\n`);
const PASSWORD = 'a bench password, long enough';
const CARD = '10042';

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

/** A promise for the next call of the returned `hit`, with a guard so a lost message fails the bench instead of hanging it. */
function nextOf(queue: Array<(t: number) => void>, what: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within 20 s`)), 20_000);
    queue.push((t) => (clearTimeout(timer), resolve(t)));
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'limen-bench-alerts-'));
  const broker = hasMosquitto() ? await startMosquitto() : await startAedes();
  const hookWaiters: Array<(t: number) => void> = [];
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const t = performance.now();
      res.statusCode = 204;
      res.end();
      hookWaiters.shift()?.(t);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
  const site = await runSite(
    {
      database: join(dir, 'site.db'),
      secretFile: join(dir, 'site.key'),
      port: 0,
      console: false,
      fleet: broker.url,
      site: 'hq',
      prepare: async (store, key) => {
        await createStaff(store.db, { username: 'guard1', role: 'guard', password: PASSWORD });
        await createPerson(store.db, key, { id: 'p-ann', name: 'Ann' });
        await putAlertList(store.db, { id: 'watch', name: 'Watch', purpose: 'watch', zones: [] });
        await addListMember(store.db, 'watch', 'p-ann');
        await createWebhookEndpoint(store.db, 'bench', hookUrl, Date.now());
        await putAlertRule(
          store.db,
          'watched',
          { name: 'watched', trigger: 'appears', enabled: true, lists: ['watch'], zones: [], terminals: [], periods: [], severity: 'warning', actions: { popup: true, webhooks: ['bench'], mqtt: false } },
          null,
        );
      },
    },
    () => {},
  );
  const fleet = site.fleet!;
  const online = new Promise<void>((resolve) => {
    const off = fleet.onPresence((p) => p.terminal === 'door-1' && p.online && (off(), resolve()));
  });
  const terminal = await Terminal.open({
    config: defaultConfig('door-1', { store: { path: join(dir, 'door-1.db') }, fleet: { url: broker.url, site: 'hq', healthIntervalMs: 60_000 } }),
    logger: silentLogger(),
  });
  let ws: WebSocket | undefined;
  try {
    await online;
    await fleet.whenConsuming();
    await fleet.persons.upsert('door-1', [{ id: 'p-ann', name: 'Ann', credentials: [{ type: 'card', value: CARD }] }]);

    const login = await fetch(`${site.url}api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'guard1', password: PASSWORD }) });
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const socket = (ws = new WebSocket(`${site.url.replace('http', 'ws')}api/live`, { headers: { cookie } }));
    await new Promise<void>((resolve, reject) => (socket.once('open', () => resolve()), socket.once('error', reject)));
    const popWaiters: Array<(t: number) => void> = [];
    socket.on('message', (d) => {
      const t = performance.now();
      if ((JSON.parse(String(d)) as { type: string }).type === 'alert') popWaiters.shift()?.(t);
    });

    const popups: number[] = [];
    const hooks: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const pop = nextOf(popWaiters, 'pop-up');
      const hook = nextOf(hookWaiters, 'webhook');
      const t0 = performance.now();
      terminal.board.sim.cardReader!.present(CARD);
      popups.push((await pop) - t0);
      hooks.push((await hook) - t0);
    }
    popups.sort((a, b) => a - b);
    hooks.sort((a, b) => a - b);
    say(`alerts: ${opts.runs} runs, a watch-listed card at a sim terminal → limen site over ${hasMosquitto() ? 'Mosquitto' : 'aedes'} (${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)})`);
    say(`pop-up: p50 ${pct(popups, 0.5).toFixed(1)} ms, p95 ${pct(popups, 0.95).toFixed(1)} ms`);
    say(`webhook: p50 ${pct(hooks, 0.5).toFixed(1)} ms, p95 ${pct(hooks, 0.95).toFixed(1)} ms`);
    say(`target: p50 ≤ 300 ms`);
  } finally {
    ws?.terminate();
    await site.stop();
    await terminal.close();
    await broker.close();
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
