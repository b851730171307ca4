/**
 * The fleet's clock (`Fleet.connect({ now })`): a signed-command terminal whose clock runs
 * days ahead refuses requests stamped on the real clock (EXPIRED), and executes those
 * stamped on its clock: `ts` (covered by the signature) and `expiresAt` come from `now`.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../hal/sim/fake-clock.js';
import { FleetAgent, MemoryEventSource } from '../../firmware/fleet/index.js';
import { silentLogger } from '../../firmware/log.js';
import { Fleet, RejectedError } from '../../sdk/src/index.js';
import { keyIdOf, topics, verifyMessage, type Signer } from '../../sdk/src/protocol/index.js';
import { startAedes } from './helpers/brokers.js';
import { guard } from './helpers/wait.js';
import { seenOnline } from '../firmware/fleet/helpers/whole-terminals.js';

const DAY = 86_400_000;
const { privateKey } = generateKeyPairSync('ed25519');
const signer: Signer = { kid: keyIdOf(createPublicKey(privateKey)), privateKey };
const trusted = new Map([[signer.kid, createPublicKey(privateKey)]]);

test('requests carry the fleet clock’s ts and deadline, signed; a terminal days ahead executes them and refuses real-clock ones', async () => {
  const broker = await startAedes();
  const clock = new FakeClock(Date.now() + 3 * DAY);
  const unlocks: number[] = [];
  const agent = new FleetAgent({
    site: 'hq',
    terminalId: 'door-1',
    mqtt: { url: broker.url, protocolVersion: broker.protocolVersion },
    identity: { firmware: 'limen-test', board: 'sim' },
    events: new MemoryEventSource(),
    handlers: { unlock: (r) => (unlocks.push(r.durationMs), { until: clock.now() + r.durationMs }) },
    security: { trustedKeys: trusted },
    clock,
    logger: silentLogger(),
    healthIntervalMs: 60_000,
  });
  const spy = await mqtt.connectAsync(broker.url, { clientId: 'spy', reconnectPeriod: 0 });
  const sent: Array<Record<string, unknown>> = [];
  let secondSeen: () => void;
  const bothSeen = new Promise<void>((resolve) => (secondSeen = resolve));
  spy.on('message', (_t, payload) => {
    if (sent.push(JSON.parse(payload.toString()) as Record<string, unknown>) === 2) secondSeen();
  });
  await spy.subscribeAsync(topics.command('hq', 'door-1', 'unlock'), { qos: 1 });
  const real = await Fleet.connect({ url: broker.url, site: 'hq', signer });
  const faked = await Fleet.connect({ url: broker.url, site: 'hq', signer, now: () => clock.now() });
  const online = Promise.all([seenOnline(real, 'door-1'), seenOnline(faked, 'door-1')]);
  agent.start();
  try {
    await guard(online, 'door-1 online');
    const refused = await real.terminal('door-1').unlock({ durationMs: 1000 }).catch((e: unknown) => e);
    assert.instance(refused, RejectedError);
    assert.is((refused as RejectedError).code, 'EXPIRED');
    assert.equal(unlocks, []);

    const { until } = await faked.terminal('door-1').unlock({ durationMs: 2000 }, { timeoutMs: 4000 });
    assert.is(until, clock.now() + 2000);
    assert.equal(unlocks, [2000]);
    await guard(bothSeen, 'both requests seen');
    const req = sent[1]!;
    assert.is(req.ts, clock.now(), 'ts from the fleet clock');
    assert.is(req.expiresAt, clock.now() + 4000, 'deadline from the fleet clock');
    assert.ok(verifyMessage(topics.command('hq', 'door-1', 'unlock'), req, trusted).ok, 'ts is covered by the signature');
    assert.ok((sent[0]!.ts as number) < clock.now() - DAY, 'the other fleet stamped real time');
  } finally {
    await real.close();
    await faked.close();
    await spy.endAsync(true);
    await agent.stop();
    await broker.close();
  }
});

test('now must be a function', async () => {
  const err = await Fleet.connect({ url: 'mqtt://127.0.0.1:1', site: 'hq', now: 5 as unknown as () => number }).catch((e: unknown) => e);
  assert.instance(err, TypeError);
  assert.match((err as Error).message, /now must be a function/);
});

test.run();
