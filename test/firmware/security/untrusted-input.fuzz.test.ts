/**
 * Property: every parser of untrusted input (visitor pass tokens and QR frames,
 * signed MQTT command payloads, card reader frames, config text) answers random
 * bytes with a coded result or a coded error, never a crash or an action.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { Pn532Parser } from '../../../hal/serial/pn532/frame.js';
import { Rdm6300Parser } from '../../../hal/serial/rdm6300.js';
import { OsdpParser } from '../../../hal/osdp/packet.js';
import { parsePdCap, parsePdId, parseRaw } from '../../../hal/osdp/messages.js';
import { parseConverterLine } from '../../../hal/wiegand/converter.js';
import { decodeWiegand } from '../../../hal/wiegand/decode.js';
import { AccessService, VisitorPasses } from '../../../firmware/access/index.js';
import { ConfigError } from '../../../firmware/config/errors.js';
import { parseConfigText } from '../../../firmware/config/load.js';
import { CommandDispatcher } from '../../../firmware/fleet/dispatcher.js';
import { MemoryEventSource } from '../../../firmware/fleet/index.js';
import { ReplayCache } from '../../../firmware/fleet/replay-cache.js';
import { silentLogger } from '../../../firmware/log.js';
import { SecurityError } from '../../../firmware/security/errors.js';
import { parseFleetKeys } from '../../../firmware/security/fleet-keys.js';
import { readQrFromFrame } from '../../../firmware/security/qr-reader.js';
import { Store } from '../../../firmware/store/index.js';
import {
  ERROR_CODES,
  SUPPORTED_VERSIONS,
  decodePassToken,
  keyIdOf,
  replyEnvelope,
  topics,
} from '../../../sdk/src/protocol/index.js';

const RUNS = 300;
const { privateKey } = generateKeyPairSync('ed25519');
const kid = keyIdOf(createPublicKey(privateKey));
const trusted = new Map([[kid, createPublicKey(privateKey)]]);
const bytes = fc.uint8Array({ maxLength: 2048 });
const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

/** Random text, random JSON, and near-misses of a real token. */
const tokenLike = fc.oneof(
  fc.string({ maxLength: 1500 }),
  bytes.map((b) => Buffer.from(b).toString('latin1')),
  fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.uint8Array({ minLength: 64, maxLength: 64 })).map(([j, s]) => `LP1.${b64u(Buffer.from(JSON.stringify(j) ?? 'null'))}.${b64u(s)}`),
  fc
    .record({ k: fc.constantFrom(kid, 'nope'), i: fc.string({ maxLength: 70 }), h: fc.string({ maxLength: 90 }), t: fc.array(fc.string(), { maxLength: 3 }), f: fc.integer(), u: fc.integer(), n: fc.integer() }, { requiredKeys: [] })
    .chain((c) => fc.uint8Array({ minLength: 64, maxLength: 64 }).map((s) => `LP1.${b64u(Buffer.from(JSON.stringify(c)))}.${b64u(s)}`)),
);

test('visitor pass tokens: random input is refused with a PASS_ code, and decides pass-invalid through the access core', () => {
  const clock = new FakeClock();
  const store = Store.open({ path: ':memory:', terminalId: 'door-1', clock });
  const passes = new VisitorPasses({ store, trustedKeys: trusted, terminalId: 'door-1' });
  const access = new AccessService({ store, timeZone: 'UTC', clock, passes });
  fc.assert(
    fc.property(tokenLike, (t) => {
      const d = decodePassToken(t, trusted);
      assert.ok(!d.ok && /^PASS_/.test(d.code));
      if (t.length <= 4096) assert.is(access.present({ type: 'qr', value: t }).decision.reason, 'pass-invalid');
    }),
    { numRuns: RUNS },
  );
  assert.is(store.db.prepare('SELECT count(*) FROM visitor_pass_uses').pluck().get(), 0);
  store.close();
});

test('QR frames: random pixels and bad geometry give null, never a throw', () => {
  const formats = ['rgb24', 'bgr24', 'gray8', 'i420', 'yuyv'] as const;
  fc.assert(
    fc.property(fc.integer({ min: -2, max: 64 }), fc.integer({ min: -2, max: 64 }), fc.constantFrom(...formats), fc.uint8Array({ maxLength: 64 * 64 * 3 }), (w, h, format, data) => {
      const r = readQrFromFrame({ width: w, height: h, format: format as never, timestamp: 0, seq: 1, data });
      assert.ok(r === null || typeof r === 'string');
    }),
    { numRuns: 200 },
  );
});

test('MQTT command payloads in signed mode: every answer is a coded error reply, nothing executes', async () => {
  const clock = new FakeClock();
  const replies: Array<{ topic: string; payload: Buffer }> = [];
  let executed = 0;
  const site = 'hq';
  const terminalId = 'door-1';
  const replyTo = topics.reply(site, terminalId, 'fuzzer');
  const d = new CommandDispatcher({
    site,
    terminalId,
    firmware: 'fuzz',
    handlers: {
      unlock: () => {
        executed++;
        return { until: 0 };
      },
      reboot: () => {
        executed++;
        return { at: 0 };
      },
    },
    config: null,
    events: new MemoryEventSource(),
    versions: SUPPORTED_VERSIONS,
    clock,
    logger: silentLogger(),
    clockSkewMs: 5000,
    maxConcurrent: 8,
    maxMessageBytes: 64 * 1024,
    sendReply: (topic, payload) => replies.push({ topic, payload }),
    drop: () => undefined,
    security: { trustedKeys: () => trusted, replay: new ReplayCache({ startedAt: clock.now(), clockSkewMs: 5000 }) },
  });
  let n = 0;
  const envelopeLike = fc
    .record(
      {
        ts: fc.oneof(fc.constant(clock.now()), fc.integer()),
        v: fc.oneof(fc.constant(1), fc.integer()),
        expiresAt: fc.oneof(fc.constant(clock.now() + 10_000), fc.integer()),
        body: fc.jsonValue({ maxDepth: 2 }),
        sig: fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ minLength: 64, maxLength: 64 }).map((s) => `${kid}.${b64u(s)}`)),
      },
      { requiredKeys: [] },
    )
    .map((r) => Buffer.from(JSON.stringify({ id: `f${++n}`, replyTo, ...r })));
  const names = fc.oneof(fc.constantFrom('unlock', 'reboot', 'ping', 'config.set', 'persons.upsert'), fc.string({ maxLength: 20 }));
  await fc.assert(
    fc.asyncProperty(names, fc.oneof(bytes.map((b) => Buffer.from(b)), envelopeLike), async (name, payload) => {
      const before = replies.length;
      await d.handle(name, payload);
      for (const r of replies.slice(before)) {
        const m = replyEnvelope.safeParse(JSON.parse(r.payload.toString()));
        assert.ok(m.success && !m.data.ok, 'an error reply');
        if (m.success && !m.data.ok) assert.ok((ERROR_CODES as readonly string[]).includes(m.data.error.code), m.data.error.code);
      }
    }),
    { numRuns: RUNS },
  );
  assert.is(executed, 0);
  assert.ok(replies.length > RUNS / 4, `${replies.length} replies`);
});

test('card reader frames: Wiegand, RDM6300, PN532 and OSDP parsers take any bytes', () => {
  fc.assert(
    fc.property(fc.array(bytes, { maxLength: 4 }), (chunks) => {
      const rdm = new Rdm6300Parser();
      const pn = new Pn532Parser();
      const osdp = new OsdpParser();
      for (const c of chunks) {
        for (const e of [...rdm.push(c), ...pn.push(c), ...osdp.push(c)]) assert.type(e.kind, 'string');
        const raw = parseRaw(c);
        assert.ok(raw !== undefined);
        parsePdId(c);
        parsePdCap(c);
        const line = parseConverterLine(Buffer.from(c).toString('latin1'));
        assert.type(line.kind, 'string');
        const w = decodeWiegand([...c].map((b) => b & 1));
        assert.type(w.ok, 'boolean');
      }
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(fc.array(fc.anything(), { maxLength: 70 }), (bits) => {
      assert.type(decodeWiegand(bits as number[]).ok, 'boolean');
    }),
    { numRuns: 100 },
  );
});

test('config text: anything that is not a valid config throws ConfigError with a code', () => {
  const text = fc.oneof(
    fc.string({ maxLength: 500 }),
    fc.jsonValue({ maxDepth: 4 }).map((j) => JSON.stringify(j) ?? ''),
    bytes.map((b) => Buffer.from(b).toString('utf8')),
  );
  fc.assert(
    fc.property(text, (t) => {
      try {
        parseConfigText(t);
      } catch (err) {
        assert.instance(err, ConfigError);
        assert.match((err as ConfigError).code, /^CONFIG_/);
      }
    }),
    { numRuns: RUNS },
  );
});

test('trusted-keys files: anything else than a valid fleet-keys.json throws SecurityError BAD_KEY_FILE', () => {
  const text = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.jsonValue({ maxDepth: 4 }).map((j) => JSON.stringify(j) ?? ''),
    fc.array(fc.record({ kid: fc.oneof(fc.constant(kid), fc.string()), publicKey: fc.uint8Array({ minLength: 31, maxLength: 33 }).map((b) => Buffer.from(b).toString('base64')) }), { maxLength: 3 }).map((keys) => JSON.stringify({ keys })),
  );
  fc.assert(
    fc.property(text, (t) => {
      try {
        parseFleetKeys(t);
      } catch (err) {
        assert.instance(err, SecurityError);
        assert.is((err as SecurityError).code, 'BAD_KEY_FILE');
      }
    }),
    { numRuns: RUNS },
  );
});

test.run();
