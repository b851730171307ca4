/**
 * The end-to-end suite: a real fleet agent and the SDK talking through a broker.
 * Run once per broker (aedes in-process over MQTT 3.1.1, Mosquitto over MQTT 5).
 */
import mqtt from 'mqtt';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock, type Clock } from '../../../hal/clock.js';
import { Fleet, OfflineError, RejectedError, gallerySnapshot, type FleetEvent, type PersonRecord } from '../../../sdk/src/index.js';
import { encode, makeRequest, topics, type GalleryChange } from '../../../sdk/src/protocol/index.js';
import type { TestBroker } from './brokers.js';
import { PIXEL_PNG, startTerminal, type TestTerminal } from './terminal.js';
import { guard, until } from './wait.js';

function template(seed: number, dim = 128): PersonRecord['faces'] {
  const v = new Float32Array(dim).map((_, i) => Math.sin(seed + i));
  return [{ template: { model: 'mobilefacenet', format: 'f32', dim, data: Buffer.from(v.buffer).toString('base64') }, consent: { subject: `Person ${seed}`, givenAt: 1_700_000_000_000, method: 'app' } }];
}

export function person(i: number): PersonRecord {
  return { id: `p${i}`, name: `Person ${i}`, credentials: [{ type: 'card', value: String(100000 + i) }], faces: template(i) };
}

interface Ctx {
  broker: TestBroker;
  fleet: Fleet;
  terminals: TestTerminal[];
  n: number;
}

export function fleetSuite(makeBroker: () => Promise<TestBroker>): void {
  const s = suite<Ctx>('fleet');

  s.before(async (ctx) => {
    ctx.broker = await makeBroker();
    ctx.fleet = await Fleet.connect({ url: ctx.broker.url, site: 'hq', mqtt: { protocolVersion: ctx.broker.protocolVersion }, requestTimeoutMs: 5000 });
    ctx.terminals = [];
    ctx.n = 0;
  });

  s.after(async (ctx) => {
    for (const t of ctx.terminals) await t.agent.stop();
    await ctx.fleet.close();
    await ctx.broker.close();
  });

  /** Starts a terminal and waits until the fleet sees it online. */
  async function online(ctx: Ctx, opts: { groups?: string[]; clock?: Clock; ackTimeoutMs?: number; camera?: boolean } = {}): Promise<TestTerminal> {
    const id = `t${++ctx.n}`;
    let off = () => {};
    const seen = new Promise<void>((resolve) => {
      off = ctx.fleet.onPresence((p) => p.terminal === id && p.online && resolve());
    });
    const t = startTerminal(ctx.broker, { id, ...opts });
    ctx.terminals.push(t);
    await guard(seen, `${id} online`);
    off();
    return t;
  }

  s('a terminal announces presence and health; terminals() lists both', async (ctx) => {
    let off = () => {};
    const health = new Promise<void>((resolve) => {
      off = ctx.fleet.onHealth((h) => h.terminal === `t${ctx.n}` && resolve());
    });
    const t = await online(ctx, { groups: ['lobby'] });
    await guard(health, 'health');
    off();
    const info = ctx.fleet.terminals().find((x) => x.id === t.agent.terminalId)!;
    assert.ok(info.online);
    assert.equal(info.presence?.groups, ['lobby']);
    assert.ok(info.presence?.commands.includes('unlock'));
    assert.is(info.health?.board, 'sim');
    assert.is(info.health?.outbox.depth, 0);
    assert.ok(info.health!.memory.totalBytes > 0);
  });

  s('unlock round-trips through the broker', async (ctx) => {
    const t = await online(ctx);
    const before = Date.now();
    const r = await ctx.fleet.terminal(t.agent.terminalId).unlock({ durationMs: 3000 });
    assert.equal(t.unlocks, [{ durationMs: 3000 }]);
    assert.ok(r.until >= before + 3000);
  });

  s('config goes desired -> reported; a refused config is reported with its reason', async (ctx) => {
    const t = await online(ctx);
    const term = ctx.fleet.terminal(t.agent.terminalId);
    const ok = await term.config.desire({ unlockMs: 4000 });
    assert.is(ok.version, 1);
    assert.is(ok.reported?.status, 'applied');
    assert.equal(t.config.current(), { version: 1, config: { unlockMs: 4000 } });
    const err = await term.config.desire({ unlockMs: 'long' }).catch((e: unknown) => e);
    assert.instance(err, RejectedError);
    assert.is((err as RejectedError).code, 'CONFIG_REJECTED');
    const reported = term.config.get().reported!;
    assert.is(reported.version, 1);
    assert.is(reported.rejected?.version, 2);
    assert.equal(t.config.current().config, { unlockMs: 4000 });
    const set = await term.config.set({ unlockMs: 2500 });
    assert.equal(set, { version: 3, config: { unlockMs: 2500 } });
  });

  s('requests to an offline or unknown terminal fail fast with OfflineError', async (ctx) => {
    const t = await online(ctx);
    const id = t.agent.terminalId;
    let off = () => {};
    const gone = new Promise<void>((resolve) => {
      off = ctx.fleet.onPresence((p) => p.terminal === id && !p.online && resolve());
    });
    await t.agent.stop();
    await guard(gone, 'offline presence');
    off();
    assert.is(ctx.fleet.terminals().find((x) => x.id === id)?.presence?.reason, 'shutdown');
    const err = await ctx.fleet.terminal(id).unlock({ durationMs: 1000 }).catch((e: unknown) => e);
    assert.instance(err, OfflineError);
    assert.is((err as OfflineError).code, 'OFFLINE');
    const unknown = await ctx.fleet.terminal('nobody').ping().catch((e: unknown) => e);
    assert.instance(unknown, OfflineError);
    assert.equal(t.unlocks, []);
  });

  s('an expired request is not executed', async (ctx) => {
    // The terminal's clock runs an hour ahead: every request has expired on arrival.
    const ahead: Clock = { ...systemClock, now: () => Date.now() + 3_600_000 };
    const t = await online(ctx, { clock: ahead });
    const err = await ctx.fleet.terminal(t.agent.terminalId).unlock({ durationMs: 1000 }).catch((e: unknown) => e);
    assert.instance(err, RejectedError);
    assert.is((err as RejectedError).code, 'EXPIRED');
    assert.equal(t.unlocks, []);
  });

  s('bad arguments throw TypeError before anything is sent; unsupported commands are refused locally', async (ctx) => {
    const t = await online(ctx);
    const term = ctx.fleet.terminal(t.agent.terminalId);
    const bad = await term.unlock({ durationMs: -5 }).catch((e: unknown) => e);
    assert.instance(bad, TypeError);
    assert.match((bad as Error).message, /durationMs/);
    const snap = await term.snapshot().catch((e: unknown) => e);
    assert.instance(snap, RejectedError);
    assert.is((snap as RejectedError).code, 'NOT_SUPPORTED');
  });

  s('reboot and snapshot', async (ctx) => {
    const t = await online(ctx, { camera: true });
    const term = ctx.fleet.terminal(t.agent.terminalId);
    const r = await term.reboot({ delayMs: 2000, reason: 'update' });
    assert.equal(t.reboots, [2000]);
    assert.ok(r.at > Date.now());
    const snap = await term.snapshot();
    assert.is(snap.mime, 'image/png');
    assert.equal(snap.data, PIXEL_PNG);
  });

  s('Fleet.connect can share an mqtt.js client it does not own', async (ctx) => {
    const t = await online(ctx);
    const id = t.agent.terminalId;
    const client = await mqtt.connectAsync(ctx.broker.url, { protocolVersion: ctx.broker.protocolVersion });
    try {
      const other = await Fleet.connect({ client, site: 'hq' });
      const known = () => other.terminals().some((x) => x.id === id && x.online);
      assert.ok(known(), 'retained presence arrived before connect resolved');
      await other.terminal(id).unlock({ durationMs: 500 });
      await other.close();
      assert.ok(client.connected, 'close() leaves a client it was given open');
    } finally {
      await client.endAsync();
    }
  });

  s('a request delivered again is not executed again; the kept reply is re-sent', async (ctx) => {
    const t = await online(ctx);
    const id = t.agent.terminalId;
    const client = await mqtt.connectAsync(ctx.broker.url, { protocolVersion: ctx.broker.protocolVersion });
    try {
      const replyTo = topics.reply('hq', id, 'dup-tester');
      const replies: string[] = [];
      let arrived = () => {};
      client.on('message', (_t, p) => {
        replies.push(p.toString());
        arrived();
      });
      const reply = () => new Promise<void>((r) => (arrived = r));
      await client.subscribeAsync(replyTo, { qos: 1 });
      const req = encode(makeRequest({ ts: Date.now(), replyTo, expiresAt: Date.now() + 10_000 }, { durationMs: 700 }));
      for (let i = 0; i < 2; i++) {
        const next = reply();
        await client.publishAsync(topics.command('hq', id, 'unlock'), req, { qos: 1 });
        await guard(next, `reply ${i + 1}`);
      }
      assert.equal(t.unlocks, [{ durationMs: 700 }]);
      assert.is(replies[0], replies[1]);
      assert.is(t.agent.stats().commands.duplicates, 1);
    } finally {
      await client.endAsync();
    }
  });

  s('persons upsert and remove, to one terminal and to a group', async (ctx) => {
    const a = await online(ctx, { groups: ['gate'] });
    const b = await online(ctx, { groups: ['gate'] });
    const r = await ctx.fleet.terminal(a.agent.terminalId).persons.upsert([person(1), person(2)]);
    assert.equal(r, { upserted: 2 });
    assert.equal(a.gallery.persons.get('p1'), person(1));
    const group = await ctx.fleet.group('gate').persons.upsert([person(3)]);
    assert.equal(group.map((g) => [g.terminal, g.ok]).sort(), [[a.agent.terminalId, true], [b.agent.terminalId, true]].sort());
    assert.ok(b.gallery.persons.has('p3'));
    const removed = await ctx.fleet.persons.remove(a.agent.terminalId, ['p1', 'zz']);
    assert.equal(removed[0]!.ok && removed[0]!.value, { removed: 1 });
  });

  s('gallery sync: full replace, then delta, then a resumed delta', async (ctx) => {
    const t = await online(ctx);
    const term = ctx.fleet.terminal(t.agent.terminalId);
    t.gallery.upsert([person(999)]); // not in the backend's gallery: a replace removes it
    const persons = Array.from({ length: 300 }, (_, i) => person(i));
    const progress: number[] = [];
    const full = await term.gallery.sync(gallerySnapshot(1, persons), { chunkBytes: 40_000, onProgress: (p) => progress.push(p.applied) });
    assert.equal({ mode: full.mode, version: full.version, size: full.size, sent: full.sent }, { mode: 'replace', version: 1, size: 300, sent: 300 });
    assert.ok(progress.length > 3, 'progress reported per chunk');
    assert.is(progress[progress.length - 1], 300);
    assert.not.ok(t.gallery.persons.has('p999'));

    // A change log: version 2 removes p0 and adds p300.
    const log: GalleryChange[] = [{ op: 'remove', id: 'p0' }, { op: 'upsert', person: person(300) }];
    const source = { version: 2, changesSince: (v: number) => (v === 1 ? log : null), snapshot: () => persons };
    const delta = await term.gallery.sync(source);
    assert.equal({ mode: delta.mode, version: delta.version, size: delta.size, sent: delta.sent }, { mode: 'delta', version: 2, size: 300, sent: 2 });
    assert.ok(t.gallery.persons.has('p300'));
    assert.not.ok(t.gallery.persons.has('p0'));

    // Interrupted: the terminal already holds the first 50 of 100 changes of the 2 -> 3 session.
    const log3: GalleryChange[] = Array.from({ length: 100 }, (_, i) => ({ op: 'upsert', person: person(1000 + i) }));
    const src3 = { version: 3, changesSince: (v: number) => (v === 2 ? log3 : null), snapshot: () => [] };
    const first = await ctx.fleet.request(t.agent.terminalId, 'gallery.status', {});
    assert.is(first.version, 2);
    // Start the session the way the SDK would, apply half, and "lose" the connection.
    const resumed = await (async () => {
      const applyHalf = await term.gallery.sync(src3, {
        chunkBytes: 20_000,
        window: 1,
        onProgress: (p) => {
          if (p.phase === 'sending' && p.applied >= 50) throw new Error('cut');
        },
      }).catch((e: unknown) => e);
      assert.instance(applyHalf, Error);
      const st = await term.gallery.status();
      assert.ok(st.session && st.session.applied >= 50 && st.session.applied < 100, 'session left open part-way');
      return term.gallery.sync(src3);
    })();
    assert.is(resumed.version, 3);
    assert.ok(resumed.resumedAt >= 50);
    assert.is(resumed.sent + resumed.resumedAt, 100);
    assert.is(t.gallery.status().size, 400);
  });

  s('events reach onEvent in order, are acknowledged, and the outbox drains', async (ctx) => {
    const t = await online(ctx);
    const id = t.agent.terminalId;
    const got: FleetEvent[] = [];
    const off = ctx.fleet.onEvent((e) => {
      if (e.terminal === id) got.push(e);
    });
    for (let i = 0; i < 250; i++) t.events.append({ type: 'access.granted', result: 'granted', personId: `p${i}`, data: { door: 'main' } });
    await until((wake) => t.events.acks.add(wake), () => t.events.ackedSeq() === 250, 'outbox acked');
    off();
    assert.equal(got.map((e) => e.seq), Array.from({ length: 250 }, (_, i) => i + 1));
    assert.is(got[0]!.personId, 'p0');
    assert.equal(got[0]!.data, { door: 'main' });
    const q = await ctx.fleet.terminal(id).events.query({ afterSeq: 240, limit: 5 });
    assert.equal(q.map((e) => e.seq), [241, 242, 243, 244, 245]);
  });

  s('a failing handler leaves the event unacknowledged; it is delivered again', async (ctx) => {
    const t = await online(ctx, { ackTimeoutMs: 200 });
    const id = t.agent.terminalId;
    let failures = 0;
    const seen: number[] = [];
    const errors: Error[] = [];
    const offErr = ctx.fleet.onError((e) => errors.push(e));
    const off = ctx.fleet.onEvent((e) => {
      if (e.terminal !== id) return;
      if (e.seq === 2 && failures++ === 0) throw new Error('database down');
      seen.push(e.seq);
    });
    for (let i = 0; i < 3; i++) t.events.append({ type: 'door.opened' });
    await until((wake) => t.events.acks.add(wake), () => t.events.ackedSeq() === 3, 'outbox acked');
    off();
    offErr();
    assert.equal(seen, [1, 2, 3]);
    assert.is(errors.length, 1);
  });

  s('onEvents hands over every event waiting for a terminal in one call, in order, each once', async (ctx) => {
    const t = await online(ctx);
    const id = t.agent.terminalId;
    // A fleet on a client of our own: its 'message' listener runs before ours, so once we
    // have counted an event batch, the fleet has queued it.
    const client = mqtt.connect(ctx.broker.url, { protocolVersion: ctx.broker.protocolVersion });
    const fleet = await Fleet.connect({ client, site: 'hq' });
    let received = 0;
    const arrived = new Set<() => void>();
    client.on('message', (topic, payload) => {
      if (topic !== topics.events('hq', id)) return;
      received += (JSON.parse(payload.toString()) as { body: { events: unknown[] } }).body.events.length;
      for (const wake of arrived) wake();
    });
    const calls: number[][] = [];
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    let entered = () => {};
    const first = new Promise<void>((r) => (entered = r));
    try {
      fleet.onEvents(async (events) => {
        if (events[0]!.terminal !== id) return;
        calls.push(events.map((e) => e.seq));
        if (calls.length === 1) {
          entered();
          await held; // the first call holds the handler while the rest arrive
        }
      });
      await fleet.whenConsuming();
      t.events.append({ type: 'door.opened' });
      await guard(first, 'first call');
      for (let i = 0; i < 600; i++) t.events.append({ type: 'access.granted', result: 'granted' });
      // All 600 arrive (window 1000, batches of 200) while the first call is held.
      await until((wake) => (arrived.add(wake), () => arrived.delete(wake)), () => received >= 601, 'all received');
      release();
      await until((wake) => t.events.acks.add(wake), () => t.events.ackedSeq() === 601, 'outbox acked');
    } finally {
      await fleet.close();
      await client.endAsync();
    }
    assert.equal(calls.flat(), Array.from({ length: 601 }, (_, i) => i + 1));
    assert.equal(calls[0], [1]);
    assert.ok(calls[1]!.length > 200, `the waiting batches came together: ${calls.map((c) => c.length).join(', ')}`);
  });

  s('a throwing onEvents handler leaves its events unacknowledged; they are handed over again', async (ctx) => {
    const t = await online(ctx, { ackTimeoutMs: 200 });
    const id = t.agent.terminalId;
    const calls: number[][] = [];
    const errors: Error[] = [];
    const offErr = ctx.fleet.onError((e) => errors.push(e));
    const off = ctx.fleet.onEvents((events) => {
      if (events[0]!.terminal !== id) return;
      calls.push(events.map((e) => e.seq));
      if (calls.length === 1) throw new Error('database down');
    });
    for (let i = 0; i < 3; i++) t.events.append({ type: 'door.opened' });
    await until((wake) => t.events.acks.add(wake), () => t.events.ackedSeq() === 3, 'outbox acked');
    off();
    offErr();
    assert.ok(calls.length >= 2, 'handed over again');
    assert.equal([...new Set(calls.flat())].sort(), [1, 2, 3]);
    assert.equal(calls.slice(1).flat().sort(), [1, 2, 3], 'what failed came again, and only once it was handled');
    assert.is(errors.length, 1);
    assert.is((errors[0] as Error & { terminal: string }).terminal, id);
  });

  s('events the terminal no longer has are reported as a gap', async (ctx) => {
    const t = await online(ctx);
    const id = t.agent.terminalId;
    await t.agent.stop(); // offline while the log is capped
    const t2 = startTerminal(ctx.broker, { id, events: t.events });
    ctx.terminals.push(t2);
    for (let i = 0; i < 10; i++) t.events.append({ type: 'door.opened' });
    t.events.prune(4);
    const gaps: Array<[number, number]> = [];
    const seqs: number[] = [];
    const offGap = ctx.fleet.onGap((g) => g.terminal === id && gaps.push([g.from, g.to]));
    const off = ctx.fleet.onEvent((e) => {
      if (e.terminal === id) seqs.push(e.seq);
    });
    await until((wake) => t.events.acks.add(wake), () => t.events.ackedSeq() === 10, 'outbox acked');
    off();
    offGap();
    assert.equal(seqs, [5, 6, 7, 8, 9, 10]);
    assert.equal(gaps, [[1, 4]]);
  });

  s.run();
}
