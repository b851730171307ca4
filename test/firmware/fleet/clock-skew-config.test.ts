/**
 * `fleet.clockSkewMs`: the tolerated clock difference to the backend is a terminal
 * setting. A terminal whose clock lags (no RTC battery, NTP not yet synced) refuses a
 * signed request 30 s old at the default 5 s and accepts it with 60 s, through the
 * dispatcher and its replay cache on a fake clock; and the replay cache keeps an
 * accepted id as long as the wider window lets the request through.
 */
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { ConfigError } from '../../../firmware/config/errors.js';
import { parseConfig } from '../../../firmware/config/index.js';
import { CommandDispatcher } from '../../../firmware/fleet/dispatcher.js';
import { MemoryEventSource } from '../../../firmware/fleet/memory.js';
import { ReplayCache } from '../../../firmware/fleet/replay-cache.js';
import { silentLogger } from '../../../firmware/log.js';
import { SUPPORTED_VERSIONS, keyIdOf, makeRequest, signMessage, topics } from '../../../sdk/src/protocol/index.js';

const site = 'hq';
const terminalId = 'door-1';
const replyTo = topics.reply(site, terminalId, 'tester');
const { privateKey } = generateKeyPairSync('ed25519');
const signer = { kid: keyIdOf(createPublicKey(privateKey)), privateKey };
const trusted = new Map([[signer.kid, createPublicKey(privateKey)]]);

function fleetConfig(fleet: Record<string, unknown>) {
  return parseConfig({ version: 1, terminal: { id: terminalId }, fleet: { url: 'mqtt://broker', ...fleet } }).fleet!;
}

/** A signed-mode dispatcher configured as the terminal agent configures it from `fleet`. */
function terminal(fleet: Record<string, unknown>) {
  const { clockSkewMs } = fleetConfig(fleet);
  const clock = new FakeClock(1_700_000_000_000);
  const replies: Array<{ ok: boolean; error?: { code: string } }> = [];
  let unlocks = 0;
  const d = new CommandDispatcher({
    site,
    terminalId,
    firmware: 'test-fw',
    handlers: { unlock: () => ((unlocks += 1), { until: clock.now() + 1000 }) },
    config: null,
    events: new MemoryEventSource(),
    versions: SUPPORTED_VERSIONS,
    clock,
    logger: silentLogger(),
    clockSkewMs,
    maxConcurrent: 8,
    maxMessageBytes: 64 * 1024,
    sendReply: (_topic, payload) => replies.push(JSON.parse(payload.toString()) as { ok: boolean; error?: { code: string } }),
    drop: () => undefined,
    security: { trustedKeys: () => trusted, replay: new ReplayCache({ startedAt: clock.now() - 3_600_000, clockSkewMs }) },
  });
  /** Sends a signed unlock issued at `ts` living 10 s; answers the reply's error code, or 'ok'. */
  const send = async (ts: number, id?: string) => {
    const req = makeRequest({ ts, v: 1, replyTo, expiresAt: ts + 10_000 }, { durationMs: 1000 });
    const msg = signMessage(topics.command(site, terminalId, 'unlock'), id ? { ...req, id } : req, signer);
    await d.handle('unlock', Buffer.from(JSON.stringify(msg)));
    const r = replies.at(-1)!;
    return r.ok ? 'ok' : r.error!.code;
  };
  return { clock, send, unlocks: () => unlocks };
}

test('fleet.clockSkewMs defaults to 5000 and is bounded 1000..600000', () => {
  assert.is(fleetConfig({}).clockSkewMs, 5000);
  assert.is(fleetConfig({ clockSkewMs: 60_000 }).clockSkewMs, 60_000);
  for (const bad of [999, 600_001, 1.5, '60000']) {
    assert.throws(() => fleetConfig({ clockSkewMs: bad }), (err: unknown) => err instanceof ConfigError && /^fleet\.clockSkewMs: /.test((err as Error).message));
  }
});

test('a request 30 s old (the terminal clock lags) is EXPIRED at the default skew and runs with clockSkewMs 60000', async () => {
  const strict = terminal({});
  assert.is(await strict.send(strict.clock.now() - 30_000), 'EXPIRED');
  assert.is(strict.unlocks(), 0);

  const lenient = terminal({ clockSkewMs: 60_000 });
  assert.is(await lenient.send(lenient.clock.now() - 30_000), 'ok');
  assert.is(lenient.unlocks(), 1);
});

test('a request dated 30 s ahead (the terminal clock runs behind the backend) is CLOCK_SKEW at the default and runs with 60000', async () => {
  const strict = terminal({});
  assert.is(await strict.send(strict.clock.now() + 30_000), 'CLOCK_SKEW');
  const lenient = terminal({ clockSkewMs: 60_000 });
  assert.is(await lenient.send(lenient.clock.now() + 30_000), 'ok');
});

test('with a 60 s window an accepted id stays refused as REPLAYED for as long as the window would let it through', async () => {
  const t = terminal({ clockSkewMs: 60_000 });
  const ts = t.clock.now() - 30_000;
  assert.is(await t.send(ts, 'cmd-1'), 'ok');
  // Still inside expiresAt + skew: the expiry check passes, so only the replay cache stops it.
  for (const step of [1_000, 20_000, 18_999]) {
    t.clock.advance(step);
    assert.is(await t.send(ts, 'cmd-1'), 'REPLAYED', `after ${step} ms more`);
  }
  t.clock.advance(2);
  assert.is(await t.send(ts, 'cmd-1'), 'EXPIRED');
  assert.is(t.unlocks(), 1);
});

test.run();
