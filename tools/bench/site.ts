/**
 * npm run bench:site [-- --events 1000000 --database URL --ingest 50000 --terminals 20]
 *
 * The site store at scale. The store is first filled directly with `--events` minus
 * `--ingest` rows over the last 90 days, in time order (not timed as ingest) and
 * ANALYZEd. Then `--terminals` fleet agents in a child process each log their share
 * of `--ingest` events at once; the site's ingest (Fleet.onEvent → store, acknowledged
 * after the commit) consumes them through Mosquitto (aedes in-process when Mosquitto
 * is not installed): `ingest: X events/s`, into a store of that size. Then the
 * typical searches run (first page of 50, newest first): `search <name>: p50 X ms,
 * p95 Y ms`. With `--presence`, presence (positions, visits) follows the ingest as in
 * `limen site`, and `presence: X events/s` says how fast it applied them all.
 *
 * Without --database it uses a fresh SQLite file in a temp folder (deleted after).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { sql } from 'kysely';
import { startBenchAgents } from './agents.js';
import { Fleet } from '../../sdk/src/index.js';
import { hasMosquitto, startAedes, startMosquitto, type TestBroker } from './brokers.js';
import { rng } from './embeddings.js';
import { startIngest } from '../site/ingest.js';
import { startPresence } from '../site/presence.js';
import { createZone, openSiteStore, placeTerminal, searchRecords, createUnit, createPerson, addResidency, type RecordQuery, type SiteStore, type Terminal } from '../site/store/index.js';

const program = new Command()
  .name('bench:site')
  .option('--events <n>', 'events in the store for the searches', (v) => Number(v), 1_000_000)
  .option('--ingest <n>', 'events sent through the fleet for the ingest rate', (v) => Number(v), 50_000)
  .option('--terminals <n>', 'fleet agents sending them', (v) => Number(v), 20)
  .option('--database <url>', 'site store (default: a temporary SQLite file)')
  .option('--runs <n>', 'timed runs per search', (v) => Number(v), 50)
  .option('--presence', 'presence follows the ingest, as in limen site')
  .option('--role <role>', '(internal) child process role: agents')
  .option('--url <url>', '(internal) broker URL for the agents')
  .parse();
const opts = program.opts<{ events: number; ingest: number; terminals: number; database?: string; runs: number; presence?: boolean; role?: string; url?: string }>();
const SITE = 'bench';
const DAY = 86_400_000;
const say = (line: string) => process.stdout.write(`${line}\n`);

// ------------------------------------------------------------------ agents (child process)

async function agents(url: string): Promise<void> {
  const { sources, agents: list } = await startBenchAgents(url, SITE, opts.terminals);
  say('ready');
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, arg] = line.split(' ');
    if (cmd === 'emit') {
      const per = Number(arg);
      for (const [i, s] of sources.entries()) {
        for (let k = 0; k < per; k++) s.append({ type: 'access.granted', result: 'granted', personId: `p${(i * per + k) % 5000}`, credentialType: 'card', credentialRef: String(100000 + k) });
      }
    } else if (cmd === 'quit') break;
  }
  await Promise.all(list.map((a) => a.stop()));
  process.exit(0);
}

// ------------------------------------------------------------------ the site

interface Layout {
  compounds: number[];
  terminals: Terminal[];
  units: number[];
}

async function layout(store: SiteStore): Promise<Layout> {
  const { db } = store;
  const community = (await createZone(db, { parentId: null, kind: 'community', name: 'Bench City' })).id;
  const terminals: Terminal[] = [
    { id: 'gate-in', zone_id: community, role: 'gate', direction: 'in', name: null },
    { id: 'gate-out', zone_id: community, role: 'gate', direction: 'out', name: null },
  ];
  const compounds: number[] = [];
  const units: number[] = [];
  for (let c = 0; c < 4; c++) {
    const compound = (await createZone(db, { parentId: community, kind: 'compound', name: `C${c}` })).id;
    compounds.push(compound);
    terminals.push({ id: `c${c}-entrance`, zone_id: compound, role: 'compound-entrance', direction: 'both', name: null });
    for (let b = 0; b < 5; b++) {
      const building = (await createZone(db, { parentId: compound, kind: 'building', name: `C${c}-B${b}` })).id;
      terminals.push({ id: `c${c}b${b}-door`, zone_id: building, role: 'building-door', direction: 'in', name: null });
      for (let u = 0; u < 50; u++) units.push((await createUnit(db, { zoneId: building, kind: 'flat', label: `${b}-${u}` })).id);
    }
  }
  for (const t of terminals) await placeTerminal(db, { id: t.id, zoneId: t.zone_id, role: t.role, direction: t.direction });
  for (let i = 0; i < opts.terminals; i++) await placeTerminal(db, { id: `t${i}`, zoneId: terminals[i % terminals.length]!.zone_id, role: 'gate', direction: 'in' });
  // 5000 persons, two per unit on average, in for the whole period.
  await db.transaction().execute(async (tx) => {
    for (let p = 0; p < 5000; p++) {
      await createPerson(tx, Buffer.alloc(32), { id: `p${p}`, name: `Person ${p}` }, 0);
      await addResidency(tx, { personId: `p${p}`, unitId: units[p % units.length]!, role: 'owner', moveIn: 0 });
    }
  });
  return { compounds, terminals, units };
}

async function measureIngest(store: SiteStore): Promise<void> {
  let broker: TestBroker;
  if (hasMosquitto()) broker = await startMosquitto();
  else broker = await startAedes();
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--role', 'agents', '--url', broker.url, '--terminals', String(opts.terminals)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<void>((resolve) => lines.on('line', (l) => l === 'ready' && resolve()));
  const fleet = await Fleet.connect({ url: broker.url, site: SITE, mqtt: { protocolVersion: 5 } });
  const ingest = startIngest({ store, fleet });
  const presence = opts.presence ? startPresence({ store, source: ingest }) : undefined;
  try {
    await fleet.whenConsuming();
    await ready;
    const per = Math.ceil(opts.ingest / opts.terminals);
    const total = per * opts.terminals;
    const done = new Promise<void>((resolve) => {
      const off = ingest.onStored(() => {
        if (ingest.stats.stored >= total) {
          off();
          resolve();
        }
      });
    });
    let applied = 0;
    const allApplied = new Promise<void>((resolve) => presence?.onApplied(() => ++applied === total && resolve()));
    const started = performance.now();
    child.stdin!.write(`emit ${per}\n`);
    await done;
    const s = (performance.now() - started) / 1000;
    say(`ingest: ${Math.round(total / s)} events/s (${total} events from ${opts.terminals} terminals through ${broker.name}, SDK → ${store.dialect}, ${s.toFixed(1)} s${presence ? ', presence following' : ''})`);
    if (presence) {
      await allApplied;
      const p = (performance.now() - started) / 1000;
      say(`presence: ${Math.round(total / p)} events/s (all ${total} applied to positions ${p.toFixed(1)} s after the first was sent)`);
    }
  } finally {
    child.stdin!.write('quit\n');
    await new Promise((r) => child.once('exit', r));
    presence?.stop();
    ingest.stop();
    await fleet.close();
    await broker.close();
  }
}

/** Fills the store directly (multi-row inserts in big transactions) up to `target` events over 90 days. */
async function fill(store: SiteStore, l: Layout, target: number, end: number): Promise<void> {
  const { db } = store;
  const have = Number((await db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const rnd = rng(7);
  const seqs = new Map<string, number>();
  const started = performance.now();
  let n = have;
  const CHUNK = 1000;
  while (n < target) {
    await db.transaction().execute(async (tx) => {
      for (let c = 0; c < 50 && n < target; c++) {
        const rows = [];
        for (let i = 0; i < CHUNK && n < target; i++, n++) {
          const t = l.terminals[Math.floor(rnd() * l.terminals.length)]!;
          const seq = (seqs.get(t.id) ?? 1_000_000_000) + 1;
          seqs.set(t.id, seq);
          const denied = rnd() < 0.07;
          const person = rnd() < 0.9 ? `p${Math.floor(rnd() * 5000)}` : null;
          const card = rnd() < 0.4 ? String(100000 + Math.floor(rnd() * 20000)) : null;
          rows.push({
            terminal_id: t.id,
            seq,
            // Time moves forward as it does at a real site (events arrive roughly in order).
            ts: end - 90 * DAY + Math.floor(((n - have) / (target - have)) * 90 * DAY),
            type: denied ? 'access.denied' : 'access.granted',
            result: denied ? ('denied' as const) : ('granted' as const),
            reason: denied ? 'schedule' : null,
            person_id: person,
            credential_type: card ? 'card' : person ? 'face' : null,
            credential_ref: card,
            zone_id: t.zone_id,
            direction: t.direction === 'both' ? (rnd() < 0.5 ? ('in' as const) : ('out' as const)) : (t.direction as 'in' | 'out'),
            data: null,
            received_at: end,
          });
        }
        await tx.insertInto('events').values(rows).execute();
      }
    });
  }
  const s = (performance.now() - started) / 1000;
  say(`filled: ${n} events in the store (${n - have} loaded directly in ${s.toFixed(0)} s, ${Math.round((n - have) / s)} rows/s)`);
  await sql`analyze`.execute(db);
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function measureSearches(store: SiteStore, l: Layout, end: number): Promise<void> {
  const rnd = rng(11);
  const day = (k: number) => Math.floor(end / DAY) * DAY - k * DAY;
  const searches: Array<[string, () => RecordQuery]> = [
    ['one person over 30 days', () => ({ personId: `p${Math.floor(rnd() * 5000)}`, from: end - 30 * DAY, to: end })],
    ['a zone subtree over one day', () => { const d = day(1 + Math.floor(rnd() * 80)); return { zoneId: l.compounds[Math.floor(rnd() * l.compounds.length)]!, from: d, to: d + DAY }; }],
    ['all denied at night', () => { const d = day(1 + Math.floor(rnd() * 80)); return { result: 'denied', from: d, to: d + 5 * 3600_000 }; }],
    ['one unit over 30 days', () => ({ unitId: l.units[Math.floor(rnd() * l.units.length)]!, from: end - 30 * DAY, to: end })],
    ['one card over 90 days', () => ({ card: String(100000 + Math.floor(rnd() * 20000)), from: end - 90 * DAY, to: end })],
  ];
  for (const [name, make] of searches) {
    for (let i = 0; i < 5; i++) await searchRecords(store.db, make(), { limit: 50 });
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < opts.runs; i++) {
      const q = make();
      const t0 = performance.now();
      const page = await searchRecords(store.db, q, { limit: 50 });
      times.push(performance.now() - t0);
      rows += page.records.length;
    }
    times.sort((a, b) => a - b);
    say(`search ${name}: p50 ${pct(times, 0.5).toFixed(1)} ms, p95 ${pct(times, 0.95).toFixed(1)} ms (first page of 50; ${(rows / opts.runs).toFixed(0)} rows a page on average)`);
  }
}

async function main(): Promise<void> {
  if (opts.role === 'agents') return agents(opts.url!);
  const tmp = opts.database ? null : mkdtempSync(join(tmpdir(), 'limen-bench-site-'));
  const store = await openSiteStore(opts.database ?? join(tmp!, 'site.db'));
  say(`bench:site on ${store.describe}, load average ${loadavg()[0]!.toFixed(1)}`);
  try {
    const l = await layout(store);
    const end = Date.now();
    // Fill first, so that the ingest rate is the one of a store at that size.
    await fill(store, l, opts.events - opts.ingest, end);
    await measureIngest(store);
    await measureSearches(store, l, end);
  } finally {
    await store.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
