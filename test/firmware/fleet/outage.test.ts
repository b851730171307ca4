/**
 * Outage: the broker stops; the terminal logs 10,000 events and restarts while
 * offline; the broker comes back. The SDK must receive all of them, in order, and
 * its handler must see no duplicates. Runs on Mosquitto (MQTT 5) and aedes (3.1.1)
 * with the real SQLite store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Listeners } from '../../../hal/events.js';
import { FleetAgent, type EventSource } from '../../../firmware/fleet/index.js';
import { silentLogger } from '../../../firmware/log.js';
import { Store } from '../../../firmware/store/index.js';
import { Fleet } from '../../../sdk/src/index.js';
import { hasMosquitto, startAedes, startMosquitto, type TestBroker } from '../../sdk/helpers/brokers.js';
import { guard, until } from '../../sdk/helpers/wait.js';

const OUTAGE_EVENTS = 10_000;

/** The store's event log, plus a signal when the outbox cursor moves. */
function watched(store: Store, acks: Listeners<number>): EventSource {
  // The store's event log is an EventSource as it is; the wrapper only adds the signal.
  const log = store.events;
  const plain: EventSource = log;
  void plain;
  return {
    pendingAfterAck: (limit) => log.pendingAfterAck(limit),
    ack: (through) => {
      const r = log.ack(through);
      acks.emit(r);
      return r;
    },
    ackedSeq: () => log.ackedSeq(),
    latestSeq: () => log.latestSeq(),
    onAppend: (h) => log.onAppend(h),
    query: (q) => log.query(q),
  };
}

function agentFor(broker: TestBroker, source: EventSource): FleetAgent {
  return new FleetAgent({
    site: 'hq',
    terminalId: 'door-1',
    mqtt: { url: broker.url, protocolVersion: broker.protocolVersion, backoff: { initialMs: 50, maxMs: 200 } },
    identity: { firmware: 'limen-test', board: 'sim' },
    events: source,
    logger: silentLogger(),
    outbox: { ackTimeoutMs: 2000 },
  });
}

async function outage(makeBroker: () => Promise<TestBroker>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'limen-outage-'));
  const path = join(dir, 'terminal.db');
  const broker = await makeBroker();
  const acks = new Listeners<number>();
  let store = Store.open({ path, terminalId: 'door-1' });
  let agent = agentFor(broker, watched(store, acks));
  const fleet = await Fleet.connect({ url: broker.url, site: 'hq', mqtt: { protocolVersion: broker.protocolVersion, reconnectPeriodMs: 100 } });
  const seen: number[] = [];
  let duplicates = 0;
  const seenSet = new Set<number>();
  const delivered = new Listeners<number>();
  fleet.onEvent((e) => {
    if (seenSet.has(e.seq)) duplicates++;
    seenSet.add(e.seq);
    seen.push(e.seq);
    delivered.emit(e.seq);
  });
  try {
    agent.start();
    await guard(agent.whenConnected(), 'terminal connected');
    // Some events before the outage, delivered normally.
    for (let i = 0; i < 100; i++) store.events.append({ type: 'access.granted', result: 'granted', personId: `p${i}` });
    await until((w) => acks.add(w), () => store.events.ackedSeq() === 100, 'first 100 acknowledged');

    const down = new Promise<void>((r) => agent.onConnectionChange((up) => !up && r()));
    await broker.stop();
    await guard(down, 'terminal sees the outage');
    for (let chunk = 0; chunk < OUTAGE_EVENTS / 1000; chunk++) {
      store.transaction(() => {
        for (let i = 0; i < 1000; i++) store.events.append({ type: 'access.denied', result: 'denied', reason: 'unknown-face', data: { score: chunk * 1000 + i } });
      });
    }
    // The terminal restarts while the broker is still down.
    await agent.stop();
    store.close();
    store = Store.open({ path, terminalId: 'door-1' });
    const reopened = store;
    assert.is(reopened.events.ackedSeq(), 100);
    agent = agentFor(broker, watched(reopened, acks));
    agent.start();

    await broker.start();
    const last = 100 + OUTAGE_EVENTS;
    await until((w) => delivered.add(w), () => seenSet.has(last), 'all events delivered', 60_000);
    await until((w) => acks.add(w), () => reopened.events.ackedSeq() === last, 'outbox drained', 30_000);
    assert.is(duplicates, 0, 'the handler saw no duplicates');
    assert.is(seen.length, last);
    for (let i = 0; i < seen.length; i++) if (seen[i] !== i + 1) assert.unreachable(`event #${i} has seq ${seen[i]}`);
  } finally {
    await agent.stop();
    await fleet.close();
    store.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (hasMosquitto()) {
  test('Mosquitto outage with a terminal restart: 10,000 events arrive once each, in order', () => outage(startMosquitto));
} else {
  console.log('skipped: fleet outage test on Mosquitto (mosquitto not installed)');
}

test('aedes outage with a terminal restart: 10,000 events arrive once each, in order', () => outage(startAedes));

test.run();
