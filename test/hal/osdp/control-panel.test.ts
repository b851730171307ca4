import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock } from '../../../hal/clock.js';
import { HalError } from '../../../hal/errors.js';
import { OsdpBuzzerOutput, OsdpControlPanel, OsdpError, OsdpLedOutput, provisionOsdpScbk, type OsdpStatus } from '../../../hal/osdp/index.js';
import type { CardRead, KeyPress } from '../../../hal/reader.js';
import { outputContract } from '../contracts/output.js';
import { readerContract } from '../contracts/reader.js';
import { Collector } from '../contracts/util.js';
import { openPtyPair, socatOrSkip, withTeardown } from '../serial/pty.js';
import { until } from '../serial/wait.js';
import { OsdpPdSim, type PdSimOptions } from './pd-sim.js';

const KEY = Uint8Array.from(Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'));
const OTHER_KEY = Uint8Array.from(Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex'));

async function setup(sim: PdSimOptions = {}, panel: { scbk?: Uint8Array; address?: number } = {}) {
  const pair = await openPtyPair();
  const pd = await OsdpPdSim.open(pair.b, sim);
  const cp = new OsdpControlPanel({ path: pair.a, clock: systemClock, pollIntervalMs: 10, replyTimeoutMs: 150, retries: 2, offlineRetryMs: 30, ...panel });
  const device = withTeardown(cp, async () => {
    await pd.close();
    await pair.close();
  });
  return { cp: device, pd, path: pair.a };
}

function online(cp: OsdpControlPanel): Promise<void> {
  if (cp.status === 'online') return Promise.resolve();
  const seen = new Collector<OsdpStatus>();
  const off = cp.onStatus(seen.push);
  return seen.until(1, 'online').then(() => off());
}

if (socatOrSkip('OSDP control panel over a pty pair')) {
  readerContract('OsdpControlPanel (socat pty, simulated PD, plain text)', async () => {
    const { cp, pd } = await setup();
    return {
      device: cp,
      control: {
        injectCard: (value) => pd.presentCard(BigInt(value)),
        injectBadFrame: () => pd.corruptNextCrc(),
      },
    };
  });

  readerContract('OsdpControlPanel (socat pty, simulated PD, secure channel)', async () => {
    const { cp, pd } = await setup({ scbk: KEY, requireSecure: true }, { scbk: KEY });
    await online(cp);
    return {
      device: cp,
      control: {
        injectCard: (value) => pd.presentCard(BigInt(value)),
        injectBadFrame: () => pd.corruptNextCrc(),
      },
    };
  });

  outputContract('OsdpLedOutput (secure channel)', async () => {
    const { cp, pd } = await setup({ scbk: KEY }, { scbk: KEY });
    await online(cp);
    const led = new OsdpLedOutput({ panel: cp, color: 'green' });
    const device = withTeardown(led, () => cp.close());
    return { device, control: { level: () => pd.led.on && pd.led.color === 2 } };
  });

  outputContract('OsdpBuzzerOutput (secure channel)', async () => {
    const { cp, pd } = await setup({ scbk: KEY }, { scbk: KEY });
    await online(cp);
    const buzzer = new OsdpBuzzerOutput({ panel: cp });
    const device = withTeardown(buzzer, () => cp.close());
    return { device, control: { level: () => pd.buzzer } };
  });

  test('secure channel: handshake with the SCBK, then every command MAC’d and card data encrypted', async () => {
    const { cp, pd } = await setup({ scbk: KEY, requireSecure: true }, { scbk: KEY });
    try {
      const reads = new Collector<CardRead>();
      cp.onRead(reads.push);
      await online(cp);
      assert.ok(cp.secure);
      assert.ok(pd.secure);
      assert.equal(pd.handshakes, ['scbk']);
      assert.equal(pd.commands.slice(0, 4), [0x61, 0x62, 0x76, 0x77], 'ID, CAP, CHLNG, SCRYPT');
      assert.equal(cp.pdId, { vendor: 0x0a265c, model: 1, version: 2, serial: 0x12345678, firmware: '1.4.2' });
      pd.presentCard(0x2f0f0f1n, 26);
      const [read] = await reads.until(1, 'reads');
      assert.equal({ ...read, timestamp: 0 }, { format: 'osdp', bitLength: 26, value: String(0x2f0f0f1), timestamp: 0 });
      await cp.led({ color: 'red' });
      assert.equal(pd.led, { color: 1, on: true });
    } finally {
      await cp.close();
    }
  });

  test('LED off is a record a conforming PD accepts (not on time 0 with off time 0)', async () => {
    const { cp, pd } = await setup();
    try {
      await online(cp);
      const led = new OsdpLedOutput({ panel: cp, color: 'green' });
      await led.set(true);
      assert.equal(pd.led, { color: 2, on: true });
      await led.set(false);
      assert.equal(pd.led, { color: 0, on: false });
      assert.equal(pd.refusals, []);
    } finally {
      await cp.close();
    }
  });

  test('a wrong SCBK never gets online and never falls back to plain text', async () => {
    const { cp, pd } = await setup({ scbk: KEY, requireSecure: true }, { scbk: OTHER_KEY });
    try {
      const errors = new Collector<Error>();
      cp.onError(errors.push);
      const [err] = await errors.until(1, 'errors');
      assert.instance(err, OsdpError);
      assert.is((err as OsdpError).code, 'SECURE_CHANNEL');
      assert.match(err?.message ?? '', /wrong SCBK/);
      await until(() => pd.commands.filter((c) => c === 0x76).length >= 3, 'more attempts');
      assert.is(cp.status, 'offline');
      assert.not.ok(pd.commands.includes(0x60), 'no poll was ever sent');
      assert.is(errors.values.length, 1, 'reported once per outage');
      assert.not.ok(pd.handshakes.includes('scbk-d'));
    } finally {
      await cp.close();
    }
  });

  test('a reply with a corrupted MAC is BAD_FRAME; the session is rebuilt and reads go on', async () => {
    const { cp, pd } = await setup({ scbk: KEY, requireSecure: true }, { scbk: KEY });
    try {
      const errors = new Collector<Error>();
      const reads = new Collector<CardRead>();
      cp.onError(errors.push);
      cp.onRead(reads.push);
      await online(cp);
      pd.corruptNextMac();
      const [bad] = await errors.until(1, 'errors');
      assert.is((bad as HalError).code, 'BAD_FRAME');
      assert.match(bad?.message ?? '', /MAC mismatch/);
      await until(() => pd.handshakes.length === 2, 'a second handshake');
      pd.presentCard(42n);
      await reads.until(1, 'reads');
      assert.equal(reads.values.map((r) => r.value), ['42']);
    } finally {
      await cp.close();
    }
  });

  test('a PD that needs encryption NAKs a plain panel, which reports it once and never calls it online', async () => {
    const { cp, pd } = await setup({ scbk: KEY, requireSecure: true });
    try {
      const errors = new Collector<Error>();
      const statuses: OsdpStatus[] = [];
      cp.onError(errors.push);
      cp.onStatus((s) => statuses.push(s));
      const [err] = await errors.until(1, 'errors');
      assert.is((err as OsdpError).code, 'NAK');
      assert.match(err?.message ?? '', /encrypted communication required/);
      await until(() => pd.commands.filter((c) => c === 0x60).length >= 3, 'three refused polls');
      assert.equal(statuses, [], 'no online → offline flapping');
      assert.is(cp.status, 'offline');
      assert.is(errors.values.length, 1);
    } finally {
      await cp.close();
    }
  });

  test('a silent PD goes offline once; LED commands then reject; it comes back online', async () => {
    const { cp, pd } = await setup();
    try {
      const errors = new Collector<Error>();
      cp.onError(errors.push);
      await online(cp);
      pd.silent = true;
      const [err] = await errors.until(1, 'errors');
      assert.is((err as OsdpError).code, 'OFFLINE');
      await until(() => cp.status === 'offline', 'offline');
      assert.is(((await cp.led({ color: 'green' }).catch((e: unknown) => e)) as OsdpError).code, 'OFFLINE');
      pd.silent = false;
      await online(cp);
      await cp.led({ color: 'green' });
      assert.is(errors.values.length, 1);
    } finally {
      await cp.close();
    }
  });

  test('keys typed on the reader come out one by one through onKey; a malformed osdp_KEYPAD is BAD_FRAME', async () => {
    const { cp, pd } = await setup({ scbk: KEY, requireSecure: true }, { scbk: KEY });
    try {
      const keys = new Collector<KeyPress>();
      const errors = new Collector<Error>();
      cp.onKey(keys.push);
      cp.onError(errors.push);
      await online(cp);
      pd.presentKeypadReply(Uint8Array.from([0, 2, 0x31]));
      pd.presentKeypadReply(Uint8Array.from([0, 1, 0x41]));
      pd.typeKeys('1*90#');
      await keys.until(5, 'keys');
      assert.equal(keys.values.map((k) => k.key), ['1', '*', '9', '0', '#']);
      assert.equal(errors.values.map((e) => (e as HalError).code), ['BAD_FRAME', 'BAD_FRAME']);
      assert.match(errors.values[0]?.message ?? '', /says 2 keys and carries 1/);
      assert.match(errors.values[1]?.message ?? '', /key 0x41 is not a digit/);
    } finally {
      await cp.close();
    }
  });

  test('a malformed osdp_RAW is BAD_FRAME, not a read', async () => {
    const { cp, pd } = await setup();
    try {
      const errors = new Collector<Error>();
      const reads = new Collector<CardRead>();
      cp.onError(errors.push);
      cp.onRead(reads.push);
      pd.presentMalformedCard();
      pd.presentCard(7n);
      await reads.until(1, 'reads');
      assert.is((errors.values[0] as HalError).code, 'BAD_FRAME');
      assert.match(errors.values[0]?.message ?? '', /1 bytes for 26 bits/);
    } finally {
      await cp.close();
    }
  });

  test('install mode: a reader with no key offers SCBK-D, takes the new key by KEYSET, then opens sessions only with it', async () => {
    const pair = await openPtyPair();
    const pd = await OsdpPdSim.open(pair.b); // fresh from the box: no key, nothing else said
    try {
      const plain = new OsdpControlPanel({ path: pair.a, clock: systemClock, pollIntervalMs: 10, replyTimeoutMs: 150, retries: 2 });
      await online(plain);
      assert.ok(plain.capabilities.some((c) => c.function === 9 && c.compliance === 1), 'PDCAP says secure channel');
      await plain.close();
      await provisionOsdpScbk({ path: pair.a, clock: systemClock, newScbk: KEY, replyTimeoutMs: 150 });
      assert.equal(pd.handshakes, ['scbk-d', 'scbk']);
      assert.not.ok(pd.installMode);
      const keyed = new OsdpControlPanel({ path: pair.a, clock: systemClock, pollIntervalMs: 10, replyTimeoutMs: 150, retries: 2, scbk: KEY });
      await online(keyed);
      assert.ok(keyed.secure);
      await keyed.close();
      const again = await provisionOsdpScbk({ path: pair.a, clock: systemClock, newScbk: OTHER_KEY, replyTimeoutMs: 150 }).catch((e: unknown) => e);
      assert.is((again as OsdpError).code, 'SECURE_CHANNEL', 'SCBK-D no longer opens a session');
      assert.equal(pd.scbk, KEY);
    } finally {
      await pd.close();
      await pair.close();
    }
  });

  test('provisioning: SCBK-D only for the install-mode PD, then the new key works and SCBK-D no longer does', async () => {
    const pair = await openPtyPair();
    const pd = await OsdpPdSim.open(pair.b, { installMode: true });
    try {
      const { pd: id } = await provisionOsdpScbk({ path: pair.a, clock: systemClock, newScbk: KEY, replyTimeoutMs: 150 });
      assert.is(id?.serial, 0x12345678);
      assert.equal(pd.handshakes, ['scbk-d', 'scbk'], 'SCBK-D once for KEYSET, then the new key');
      assert.not.ok(pd.installMode, 'the PD left install mode');
      assert.equal(pd.scbk, KEY);
      const again = await provisionOsdpScbk({ path: pair.a, clock: systemClock, newScbk: OTHER_KEY, replyTimeoutMs: 150 }).catch((e: unknown) => e);
      assert.instance(again, OsdpError);
      assert.is((again as OsdpError).code, 'SECURE_CHANNEL', 'install mode is over: SCBK-D is refused');
      assert.equal(pd.scbk, KEY);
    } finally {
      await pd.close();
      await pair.close();
    }
    const refused = await provisionOsdpScbk({ path: '/dev/null', clock: systemClock, newScbk: Uint8Array.from({ length: 16 }, (_, i) => 0x30 + i) }).catch((e: unknown) => e);
    assert.instance(refused, TypeError);
    assert.match((refused as Error).message, /must not be SCBK-D/);
  });
}

test.run();
