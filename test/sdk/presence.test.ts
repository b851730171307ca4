/**
 * Presence as a freshly connected fleet sees it: `Fleet.connect` resolves once the site's
 * retained state is in, so a terminal that is online is online at once, on every connect,
 * on aedes (which streams retained messages after SUBACK) and on Mosquitto alike.
 */
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Fleet, type PresenceUpdate } from '../../sdk/src/index.js';
import { hasMosquitto, startAedes, startMosquitto, type TestBroker } from './helpers/brokers.js';
import { startTerminal, type TestTerminal } from './helpers/terminal.js';
import { guard, until } from './helpers/wait.js';

const connect = (broker: TestBroker) => Fleet.connect({ url: broker.url, site: 'hq', mqtt: { protocolVersion: broker.protocolVersion }, requestTimeoutMs: 5000 });

/** Resolves with the next presence update of `id` that matches. */
function nextPresence(fleet: Fleet, id: string, match: (p: PresenceUpdate) => boolean): Promise<PresenceUpdate> {
  return guard(
    new Promise((resolve) => {
      const off = fleet.onPresence((p) => {
        if (p.terminal !== id || !match(p)) return;
        off();
        resolve(p);
      });
    }),
    `presence of ${id}`,
  );
}

/** Starts terminals and waits until `watcher` has seen each of them online. */
async function online(broker: TestBroker, watcher: Fleet, ids: string[]): Promise<TestTerminal[]> {
  const seen = new Set<string>();
  const all = until((wake) => watcher.onPresence((p) => (p.online ? seen.add(p.terminal) : seen.delete(p.terminal), wake())), () => ids.every((id) => seen.has(id)), 'terminals online');
  const terminals = ids.map((id) => startTerminal(broker, { id }));
  await all;
  return terminals;
}

/** The site's retained barrier topics left behind (read with a retained message we know comes after them). */
async function leftoverBarriers(broker: TestBroker, knownTopic: string): Promise<string[]> {
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: broker.protocolVersion, reconnectPeriod: 0 });
  try {
    const found: string[] = [];
    const done = new Promise<void>((resolve) =>
      client.on('message', (topic, payload) => (topic === knownTopic ? resolve() : payload.byteLength > 0 && found.push(topic))),
    );
    await client.subscribeAsync(['limen/v1/hq/_fleet/barrier/+', knownTopic], { qos: 1 });
    await guard(done, 'retained presence');
    return found;
  } finally {
    await client.endAsync();
  }
}

async function successiveConnects(makeBroker: () => Promise<TestBroker>): Promise<void> {
  const broker = await makeBroker();
  const watcher = await connect(broker);
  const ids = ['door-1', 'door-2', 'door-3', 'door-4', 'door-5', 'door-6'];
  const terminals = await online(broker, watcher, ids);
  try {
    for (let i = 0; i < 12; i++) {
      const fleet = await connect(broker);
      try {
        const seen = fleet.terminals().map((t) => `${t.id}:${t.online ? 'online' : 'offline'}`);
        assert.equal(seen, ids.map((id) => `${id}:online`), `connect #${i + 1}`);
        assert.ok((await fleet.terminal(ids[i % ids.length]!).ping()).now > 0);
      } finally {
        await fleet.close();
      }
    }
    assert.equal(await leftoverBarriers(broker, 'limen/v1/hq/door-1/presence'), [], 'each barrier is cleared once it came back');
  } finally {
    for (const t of terminals) await t.agent.stop();
    await watcher.close();
    await broker.close();
  }
}

async function restartWhileConnecting(makeBroker: () => Promise<TestBroker>): Promise<void> {
  const broker = await makeBroker();
  const watcher = await connect(broker);
  const others = await online(broker, watcher, ['door-1', 'door-2', 'door-3']);
  let [terminal] = await online(broker, watcher, ['door-9']);
  try {
    for (let i = 0; i < 4; i++) {
      // A restart: the old agent goes (a goodbye, or its last will when it just dies), a new one announces itself.
      const gone = nextPresence(watcher, 'door-9', (p) => !p.online);
      const during = connect(broker);
      if (i % 2 === 0) await terminal!.agent.stop();
      else await killed(terminal!);
      assert.is((await gone).presence?.reason, i % 2 === 0 ? 'shutdown' : 'lost');
      const back = nextPresence(watcher, 'door-9', (p) => p.online);
      terminal = startTerminal(broker, { id: 'door-9' });
      await back;
      // A fleet that connected during the restart ends up online like everybody else ...
      const racing = await during;
      try {
        await until((wake) => racing.onPresence(wake), () => racing.terminal('door-9').info()?.online === true, 'online at the fleet connected during the restart');
        assert.ok((await racing.terminal('door-9').ping()).now > 0);
      } finally {
        await racing.close();
      }
      // ... and one connecting now sees it online at once.
      const fresh = await connect(broker);
      try {
        assert.ok(fresh.terminal('door-9').info()?.online, `online at a fresh connect after restart #${i + 1}`);
        assert.ok((await fresh.terminal('door-9').ping()).now > 0);
      } finally {
        await fresh.close();
      }
    }
  } finally {
    await terminal!.agent.stop();
    for (const t of others) await t.agent.stop();
    await watcher.close();
    await broker.close();
  }
}

/** Drops the terminal's connection without a goodbye, so the broker sends its last will. */
async function killed(t: TestTerminal): Promise<void> {
  const down = new Promise<void>((resolve) => t.agent.onConnectionChange((up) => !up && resolve()));
  // The test reaches into the agent's socket: there is no public way to die without a goodbye.
  const conn = (t.agent as unknown as { connection: { client: { stream: { destroy(): void } }; stopping: boolean } }).connection;
  conn.stopping = true; // no reconnect
  conn.client.stream.destroy();
  await down;
  await t.agent.stop();
}

test('aedes: successive Fleet.connect calls see every online terminal online at once', () => successiveConnects(startAedes));
test('aedes: a terminal restarting while fleets connect is online for them afterwards', () => restartWhileConnecting(startAedes));
if (hasMosquitto()) {
  test('Mosquitto: successive Fleet.connect calls see every online terminal online at once', () => successiveConnects(startMosquitto));
  test('Mosquitto: a terminal restarting while fleets connect is online for them afterwards', () => restartWhileConnecting(startMosquitto));
} else console.log('skipped: presence tests on Mosquitto (mosquitto not installed)');

test.run();
