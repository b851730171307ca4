/**
 * Signed-command mode: tampered, expired, replayed, future-dated, unsigned,
 * foreign-key and re-targeted requests are each refused with their own code and change nothing;
 * the SDK signs with the fleet key; keys rotate without a restart.
 */
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryConfig, MemoryGallery, type FleetAgent } from '../../../firmware/fleet/index.js';
import { unlockAgent } from './helpers/unlock-agent.js';
import { Fleet, RejectedError } from '../../../sdk/src/index.js';
import {
  keyIdOf,
  makeRequest,
  signMessage,
  topics,
  type ReplyEnvelope,
  type Signer,
  type TrustedKeys,
} from '../../../sdk/src/protocol/index.js';
import { startAedes, type TestBroker } from '../../sdk/helpers/brokers.js';
import { guard } from '../../sdk/helpers/wait.js';

const SITE = 'hq';
const T = 'door-1';
const newSigner = (): Signer => {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { kid: keyIdOf(createPublicKey(privateKey)), privateKey };
};
const trust = (...signers: Signer[]): TrustedKeys => new Map(signers.map((s) => [s.kid, createPublicKey(s.privateKey)]));

const fleetKey = newSigner();
const nextKey = newSigner();
const strangerKey = newSigner();

let broker: TestBroker;
let agent: FleetAgent;
let tester: MqttClient;
const unlocks: number[] = [];
const gallery = new MemoryGallery();
const config = new MemoryConfig();
const replies = new Map<string, (r: ReplyEnvelope) => void>();
const REPLY_TO = topics.reply(SITE, T, 'tester');
const startedAt = Date.now();

test.before(async () => {
  broker = await startAedes();
  agent = unlockAgent({
    site: SITE,
    terminalId: T,
    mqtt: { url: broker.url, protocolVersion: broker.protocolVersion },
    handlers: { persons: { upsert: (p) => gallery.upsert(p), remove: (ids) => gallery.remove(ids) }, gallery },
    config,
    trustedKeys: trust(fleetKey),
    unlocks,
  });
  agent.start();
  await guard(agent.whenConnected(), 'agent connected');
  tester = await mqtt.connectAsync(broker.url, { clientId: 'tester', reconnectPeriod: 0 });
  tester.on('message', (_t, payload) => {
    const r = JSON.parse(payload.toString()) as ReplyEnvelope;
    replies.get(r.re)?.(r);
  });
  await tester.subscribeAsync(REPLY_TO, { qos: 1 });
});

test.after(async () => {
  await tester.endAsync(true);
  await agent.stop();
  await broker.close();
});

let n = 0;
function request(body: unknown, o: { ts?: number; expiresAt?: number } = {}) {
  const now = Date.now();
  return makeRequest({ id: `req${++n}`, ts: o.ts ?? now, replyTo: REPLY_TO, expiresAt: o.expiresAt ?? now + 10_000 }, body) as unknown as Record<string, unknown> & { id: string };
}

async function send(name: string, msg: Record<string, unknown> & { id: string }): Promise<ReplyEnvelope> {
  const reply = new Promise<ReplyEnvelope>((resolve) => replies.set(msg.id, resolve));
  await tester.publishAsync(topics.command(SITE, T, name), JSON.stringify(msg), { qos: 1 });
  return guard(reply, `reply to ${msg.id}`);
}

const codeOf = (r: ReplyEnvelope) => (r.ok ? 'OK' : r.error.code);
const cmd = (name: string) => topics.command(SITE, T, name);

test('a signed unlock is executed; its replay is refused as REPLAYED and not executed', async () => {
  const m = signMessage(cmd('unlock'), request({ durationMs: 1000 }), fleetKey);
  assert.is(codeOf(await send('unlock', m)), 'OK');
  assert.equal(unlocks, [1000]);
  assert.is(codeOf(await send('unlock', m)), 'REPLAYED');
  assert.equal(unlocks, [1000]);
});

test('unsigned, tampered, foreign-key, re-targeted and expired requests each get their own code and change nothing', async () => {
  const before = { unlocks: [...unlocks], gallery: gallery.status().size, config: config.current().version };
  const codes: Record<string, string> = {};
  codes.unsigned = codeOf(await send('unlock', request({ durationMs: 2000 })));
  const tampered = signMessage(cmd('unlock'), request({ durationMs: 2000 }), fleetKey);
  (tampered.body as { durationMs: number }).durationMs = 600_000;
  codes.tampered = codeOf(await send('unlock', tampered));
  codes.garbledSig = codeOf(await send('unlock', { ...request({ durationMs: 2000 }), sig: 'not-a-signature' }));
  codes.foreignKey = codeOf(await send('unlock', signMessage(cmd('unlock'), request({ durationMs: 2000 }), strangerKey)));
  // Signed for another terminal, delivered to this one.
  codes.retargeted = codeOf(await send('unlock', signMessage(topics.command(SITE, 'door-2', 'unlock'), request({ durationMs: 2000 }), fleetKey)));
  // Signed for reboot, sent as unlock.
  codes.otherCommand = codeOf(await send('unlock', signMessage(cmd('reboot'), request({ durationMs: 2000 }), fleetKey)));
  codes.expired = codeOf(await send('unlock', signMessage(cmd('unlock'), request({ durationMs: 2000 }, { expiresAt: Date.now() - 60_000 }), fleetKey)));
  codes.future = codeOf(await send('unlock', signMessage(cmd('unlock'), request({ durationMs: 2000 }, { ts: Date.now() + 600_000, expiresAt: Date.now() + 610_000 }), fleetKey)));
  codes.beforeStart = codeOf(await send('unlock', signMessage(cmd('unlock'), request({ durationMs: 2000 }, { ts: startedAt - 3_600_000 }), fleetKey)));
  const person = { id: 'p1', name: 'Mallory', credentials: [], templates: [] };
  codes.unsignedPersons = codeOf(await send('persons.upsert', request({ persons: [person] })));
  const tamperedCfg = signMessage(cmd('config.set'), request({ version: 5, config: { unlockMs: 3000 } }), fleetKey);
  (tamperedCfg.body as { config: Record<string, unknown> }).config = { unlockMs: 60_000 };
  codes.tamperedConfig = codeOf(await send('config.set', tamperedCfg));
  assert.equal(codes, {
    unsigned: 'SIGNATURE_MISSING',
    tampered: 'SIGNATURE_INVALID',
    garbledSig: 'SIGNATURE_INVALID',
    foreignKey: 'UNKNOWN_KEY',
    retargeted: 'SIGNATURE_INVALID',
    otherCommand: 'SIGNATURE_INVALID',
    expired: 'EXPIRED',
    future: 'CLOCK_SKEW',
    beforeStart: 'REPLAYED',
    unsignedPersons: 'SIGNATURE_MISSING',
    tamperedConfig: 'SIGNATURE_INVALID',
  });
  assert.equal({ unlocks, gallery: gallery.status().size, config: config.current().version }, before);
});

test('the SDK signs requests and desired config with the fleet key; without it the terminal refuses', async () => {
  const signed = await Fleet.connect({ url: broker.url, site: SITE, signer: fleetKey });
  const unsigned = await Fleet.connect({ url: broker.url, site: SITE });
  try {
    assert.ok((await signed.terminal(T).unlock({ durationMs: 1500 })).until > 0);
    assert.is(unlocks.at(-1), 1500);
    const err = await unsigned.terminal(T).unlock({ durationMs: 1600 }).catch((e: unknown) => e);
    assert.instance(err, RejectedError);
    assert.is((err as RejectedError).code, 'SIGNATURE_MISSING');
    assert.is(unlocks.at(-1), 1500);
    // A desired config published unsigned is dropped; the signed one is applied.
    await unsigned.terminal(T).config.desire({ unlockMs: 4000 }, { wait: false });
    const r = await signed.terminal(T).config.desire({ unlockMs: 5000 });
    assert.equal(r.reported?.config, { unlockMs: 5000 });
    assert.is(agent.stats().dropped['config.signature_missing'], 1);
  } finally {
    await signed.close();
    await unsigned.close();
  }
});

test('rotation: after setTrustedKeys the old key is UNKNOWN_KEY and the new one works', async () => {
  agent.setTrustedKeys(trust(fleetKey, nextKey));
  assert.is(codeOf(await send('unlock', signMessage(cmd('unlock'), request({ durationMs: 1100 }), nextKey))), 'OK');
  agent.setTrustedKeys(trust(nextKey));
  assert.is(codeOf(await send('unlock', signMessage(cmd('unlock'), request({ durationMs: 1200 }), fleetKey))), 'UNKNOWN_KEY');
  assert.is(unlocks.at(-1), 1100);
});

test.run();
