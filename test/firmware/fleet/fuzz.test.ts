/**
 * Property: whatever arrives on a terminal's topics (malformed, oversized,
 * wrong-version, expired, unknown-command, random bytes), a request that names a
 * reply topic gets an error reply with a code, anything else is dropped and
 * counted, and the agent keeps serving. Garbage on the events topic is dropped and
 * counted by the SDK, which keeps delivering good batches.
 */
import fc from 'fast-check';
import mqtt, { type MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Fleet, type FleetEvent } from '../../../sdk/src/index.js';
import { LIMITS, commandSchemas, encode, makeMessage, replyEnvelope, requestEnvelope, topics, type ReplyEnvelope } from '../../../sdk/src/protocol/index.js';
import { hasMosquitto, startAedes, startMosquitto, type TestBroker } from '../../sdk/helpers/brokers.js';
import { startTerminal } from '../../sdk/helpers/terminal.js';
import { guard } from '../../sdk/helpers/wait.js';

const TERMINAL = 'fuzz-1';
const REPLY_TO = topics.reply('hq', TERMINAL, 'fuzzer');
const CMD = (name: string) => `limen/v1/hq/${TERMINAL}/cmd/${name}`;

type Case =
  | { kind: 'reply'; topic: string; payload: Buffer; id: string; codes: string[] }
  | { kind: 'reply-or-drop'; topic: string; payload: Buffer; id: string | null }
  | { kind: 'drop'; topic: string; payload: Buffer };

let counter = 0;
const nextId = () => `fz${++counter}`;
const request = (id: string, body: unknown, extra: Record<string, unknown> = {}) =>
  Buffer.from(JSON.stringify({ id, ts: Date.now(), v: 1, replyTo: REPLY_TO, expiresAt: Date.now() + 30_000, ...extra, body }));

const commandNames = Object.keys(commandSchemas) as Array<keyof typeof commandSchemas>;

const wrongVersion = fc.oneof(fc.integer({ min: 2, max: 1000 }), fc.constantFrom(0, -1, 1.5, '1', null, 10_000)).map((v): Case => {
  const id = nextId();
  const codes = typeof v === 'number' && Number.isInteger(v) && v >= 2 && v <= 1000 ? ['UNSUPPORTED_VERSION'] : ['BAD_REQUEST'];
  return { kind: 'reply', topic: CMD('unlock'), payload: request(id, { durationMs: 1000 }, { v }), id, codes };
});

const oversized = fc.integer({ min: 1, max: 64 * 1024 }).map((extra): Case => {
  const id = nextId();
  const payload = request(id, { durationMs: 1000, pad: 'x'.repeat(LIMITS.maxMessageBytes + extra) });
  return { kind: 'reply', topic: CMD('unlock'), payload, id, codes: ['PAYLOAD_TOO_LARGE'] };
});

const badBody = fc
  .tuple(fc.constantFrom(...commandNames), fc.anything({ maxDepth: 3 }))
  .filter(([name, body]) => !commandSchemas[name].request.safeParse(body).success)
  .map(([name, body]): Case => {
    const id = nextId();
    return { kind: 'reply', topic: CMD(name), payload: request(id, body), id, codes: ['BAD_REQUEST'] };
  });

const unknownCommand = fc
  .stringMatching(/^[a-z]{1,12}$/)
  .filter((n) => !(n in commandSchemas))
  .map((name): Case => {
    const id = nextId();
    return { kind: 'reply', topic: CMD(name), payload: request(id, {}), id, codes: ['UNKNOWN_COMMAND'] };
  });

const expired = fc.integer({ min: 10_000, max: 10_000_000 }).map((ago): Case => {
  const id = nextId();
  return { kind: 'reply', topic: CMD('unlock'), payload: request(id, { durationMs: 1000 }, { expiresAt: Date.now() - ago }), id, codes: ['EXPIRED'] };
});

/** Envelope fields replaced by junk; only combinations that make the envelope invalid. */
const brokenEnvelope = fc
  .record({ ts: fc.anything({ maxDepth: 1 }), expiresAt: fc.anything({ maxDepth: 1 }), sig: fc.anything({ maxDepth: 1 }) }, { requiredKeys: [] })
  .map((junk) => ({ junk, payload: request('probe', { durationMs: 1000 }, junk) }))
  .filter(({ payload }) => !requestEnvelope.safeParse(JSON.parse(payload.toString())).success)
  .map(({ junk }): Case => {
    const id = nextId();
    return { kind: 'reply', topic: CMD('unlock'), payload: request(id, { durationMs: 1000 }, junk), id, codes: ['BAD_REQUEST'] };
  });

const randomBytes = fc.tuple(fc.constantFrom('unlock', 'ping', 'gallery.chunk'), fc.uint8Array({ maxLength: 2048 })).map(
  ([name, bytes]): Case => ({ kind: 'reply-or-drop', topic: CMD(name), payload: Buffer.from(bytes), id: null }),
);

const randomJson = fc.tuple(fc.constantFrom('unlock', 'persons.upsert'), fc.json({ maxDepth: 3 })).map(
  ([name, json]): Case => ({ kind: 'reply-or-drop', topic: CMD(name), payload: Buffer.from(json), id: null }),
);

const otherTopics = fc
  .tuple(fc.constantFrom('events/ack', 'config/desired'), fc.oneof(fc.json({ maxDepth: 3 }).map((j) => Buffer.from(j)), fc.uint8Array({ minLength: 1, maxLength: 512 }).map((b) => Buffer.from(b))))
  .map(([leaf, payload]): Case => ({ kind: 'drop', topic: `limen/v1/hq/${TERMINAL}/${leaf}`, payload }));

const anyCase = fc.oneof(wrongVersion, oversized, badBody, unknownCommand, expired, brokenEnvelope, randomBytes, randomJson, otherTopics);

async function fuzz(makeBroker: () => Promise<TestBroker>, runs: number): Promise<void> {
  const broker = await makeBroker();
  const term = startTerminal(broker, { id: TERMINAL });
  const fleet = await Fleet.connect({ url: broker.url, site: 'hq', mqtt: { protocolVersion: broker.protocolVersion } });
  const raw: MqttClient = await mqtt.connectAsync(broker.url, { protocolVersion: broker.protocolVersion });
  (raw.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  const replies = new Map<string, ReplyEnvelope>();
  const waiting = new Map<string, () => void>();
  raw.on('message', (_topic, payload) => {
    const r = replyEnvelope.safeParse(JSON.parse(payload.toString()));
    if (!r.success) throw new Error(`the terminal sent a malformed reply: ${payload.toString().slice(0, 200)}`);
    replies.set(r.data.re, r.data);
    waiting.get(r.data.re)?.();
  });
  await raw.subscribeAsync(REPLY_TO, { qos: 1 });
  await guard(term.agent.whenConnected(), 'terminal connected');

  /** A valid ping through the same topics: once answered, everything published before it was processed. */
  const barrier = async () => {
    const id = nextId();
    const answered = new Promise<void>((r) => waiting.set(id, r));
    await raw.publishAsync(CMD('ping'), request(id, {}), { qos: 1 });
    await guard(answered, 'ping barrier', 10_000);
    waiting.delete(id);
    assert.is(replies.get(id)?.ok, true);
  };

  try {
    await fc.assert(
      fc.asyncProperty(anyCase, async (c) => {
        const droppedBefore = term.agent.stats().droppedTotal;
        await raw.publishAsync(c.topic, c.payload, { qos: 1 });
        await barrier();
        const dropped = term.agent.stats().droppedTotal - droppedBefore;
        if (c.kind === 'reply') {
          const r = replies.get(c.id);
          assert.ok(r, `a reply to ${c.id}`);
          assert.is(r!.ok, false);
          assert.ok(r!.ok === false && c.codes.includes(r!.error.code), `code ${r!.ok === false && r!.error.code} in ${c.codes}`);
          assert.is(dropped, 0);
        } else if (c.kind === 'drop') {
          assert.is(dropped, 1, 'dropped and counted');
        } else {
          const replied = c.id !== null && replies.get(c.id)?.ok === false;
          assert.ok(replied !== (dropped === 1), `either an error reply or one drop (replied ${replied}, dropped ${dropped})`);
        }
      }),
      { numRuns: runs },
    );

    // Still serving: a real unlock works and nothing was executed by the fuzz.
    assert.equal(term.unlocks, []);
    await fleet.terminal(TERMINAL).unlock({ durationMs: 1500 });
    assert.equal(term.unlocks, [{ durationMs: 1500 }]);
    assert.equal(term.config.current(), { version: 0, config: {} });

    // Garbage on an events topic: the SDK drops and counts it and keeps delivering.
    const ghostEvents = 'limen/v1/hq/ghost/events';
    const delivered = new Promise<FleetEvent>((resolve) =>
    fleet.onEvent((e) => {
      if (e.terminal === 'ghost') resolve(e);
    }),
  );
    await fleet.whenConsuming();
    const garbage = fc.sample(fc.oneof(fc.json().map((j) => Buffer.from(j)), fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b))), 30);
    for (const g of garbage) await raw.publishAsync(ghostEvents, g, { qos: 1 });
    const good = makeMessage({ ts: Date.now() }, { prev: 0, ackedThrough: 0, events: [{ seq: 1, ts: Date.now(), type: 'door.opened' }] });
    await raw.publishAsync(ghostEvents, encode(good), { qos: 1 });
    const e = await guard(delivered, 'the good batch after the garbage');
    assert.is(e.seq, 1);
    const droppedBySdk = Object.entries(fleet.stats().dropped)
      .filter(([k]) => k.startsWith('events.'))
      .reduce((a, [, n]) => a + n, 0);
    assert.is(droppedBySdk, garbage.length);
  } finally {
    await raw.endAsync();
    await fleet.close();
    await term.agent.stop();
    await broker.close();
  }
}

test('aedes: malformed, oversized and wrong-version payloads get coded errors or are dropped and counted', () => fuzz(startAedes, 200));

if (hasMosquitto()) {
  test('Mosquitto: malformed, oversized and wrong-version payloads get coded errors or are dropped and counted', () => fuzz(startMosquitto, 150));
} else {
  console.log('skipped: fleet fuzz test on Mosquitto (mosquitto not installed)');
}

test.run();
