import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock } from '../../../hal/clock.js';
import { HalError } from '../../../hal/errors.js';
import type { CardRead } from '../../../hal/reader.js';
import { encodeFrame, HOST_TO_PN532, LIST_ONE_TYPE_A, parseListResponse, Pn532Parser, Pn532Reader, SAM_NORMAL } from '../../../hal/serial/pn532/index.js';
import { readerContract } from '../contracts/reader.js';
import { Collector } from '../contracts/util.js';
import { Pn532Sim } from './pn532-sim.js';
import { openPtyPair, socatOrSkip, withTeardown } from './pty.js';
import { until } from './wait.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('fixtures: host frames as the PN532 manual spells them', () => {
  // SAMConfiguration: LEN 5 (D4 14 01 14 01), LCS 0x100-5 = FB, DCS 0x100-(D4+14+01+14+01 = 0x1FE → FE) = 02
  assert.equal(encodeFrame(HOST_TO_PN532, Uint8Array.from(SAM_NORMAL)), hex('00 00 FF 05 FB D4 14 01 14 01 02 00'));
  // InListPassiveTarget 1 target, 106 kbps type A: D4+4A+01+00 = 0x11F → 1F, DCS E1
  assert.equal(encodeFrame(HOST_TO_PN532, Uint8Array.from(LIST_ONE_TYPE_A)), hex('00 00 FF 04 FC D4 4A 01 00 E1 00'));
  // GetFirmwareVersion: D4+02 = D6 → DCS 2A
  assert.equal(encodeFrame(HOST_TO_PN532, Uint8Array.from([0x02])), hex('00 00 FF 02 FE D4 02 2A 00'));
});

test('fixtures: the parser splits ACK, NACK, error and data frames and resyncs after bad ones', () => {
  const p = new Pn532Parser();
  // firmware response: D5 03 32 01 06 07 sums to 0x118 → DCS E8
  const stream = hex(
    '55 55 00 00' + // wake-up bytes echoed back or noise: skipped
      '00 00 FF 00 FF 00' + // ACK
      '00 00 FF 06 FA D5 03 32 01 06 07 E8 00' + // firmware version
      '00 00 FF FF 00 00' + // NACK
      '00 00 FF 01 FF 7F 81 00' + // application error frame
      '00 00 FF 06 FA D5 03 32 01 06 07 E9 00' + // DCS off by one
      '00 00 FF 06 F0 D5 03' + // LCS wrong
      '00 00 FF 03 FD D5 4B 00 E0 00', // no target: D5+4B+00 = 0x120 → DCS E0
  );
  const kinds = [...p.push(stream.subarray(0, 9)), ...p.push(stream.subarray(9))].map((e) => (e.kind === 'frame' ? `frame:${e.data.toString('hex')}` : e.kind === 'bad' ? `bad:${e.reason}` : e.kind));
  assert.equal(kinds, ['ack', 'frame:0332010607', 'nack', 'syntax-error', 'bad:data checksum fails', 'bad:length checksum fails (LEN 6, LCS 240)', 'frame:4b00']);
});

test('InListPassiveTarget responses: 4- and 7-byte UIDs, none, malformed', () => {
  assert.equal(parseListResponse(hex('4B 01 01 0004 08 04 DEADBEEF')), { ok: true, uid: Uint8Array.from(hex('DEADBEEF')) });
  assert.equal(parseListResponse(hex('4B 01 01 0044 00 07 04112233445566')), { ok: true, uid: Uint8Array.from(hex('04112233445566')) });
  assert.equal(parseListResponse(hex('4B 00')), { ok: true, uid: null });
  assert.is(parseListResponse(hex('4B 01 01 0004 08 05 0102030405')).ok, false);
  assert.is(parseListResponse(hex('4B 01 01 0004 08 04 0102')).ok, false);
  assert.is(parseListResponse(hex('4D 00')).ok, false);
});

async function setup(options: { repeatMs?: number; retryDelayMs?: number } = {}) {
  const pair = await openPtyPair();
  const sim = await Pn532Sim.open(pair.b);
  const reader = new Pn532Reader({ path: pair.a, clock: systemClock, pollIntervalMs: 10, ackTimeoutMs: 200, responseTimeoutMs: 400, retryDelayMs: options.retryDelayMs ?? 50, repeatMs: options.repeatMs ?? 60_000 });
  const device = withTeardown(reader, async () => {
    await sim.close();
    await pair.close();
  });
  return { device, sim };
}

const uidOf = (value: string) => Uint8Array.from(Buffer.from(BigInt(value).toString(16).padStart(8, '0'), 'hex'));

if (socatOrSkip('Pn532Reader over a pty pair')) {
  readerContract('Pn532Reader (socat pty, simulated PN532)', async () => {
    const { device, sim } = await setup();
    return {
      device,
      control: {
        injectCard: (value) => sim.present(uidOf(value)),
        injectBadFrame: () => {
          sim.remove();
          sim.corruptNextResponse();
        },
      },
    };
  });

  test('wakes the chip, configures SAM and retries, then polls; a held card reads once', async () => {
    const { device, sim } = await setup();
    try {
      const reads = new Collector<CardRead>();
      device.onRead(reads.push);
      sim.present(Uint8Array.from(hex('04112233445566')));
      await reads.until(1, 'reads');
      await until(() => sim.commands.filter((c) => c === 0x4a).length >= 5, 'more polls');
      assert.is(reads.values.length, 1, 'the card stayed in the field: one read');
      assert.ok(sim.sawWakeUp, '0x55 0x55 wake-up sent');
      assert.equal(sim.commands.slice(0, 3), [0x14, 0x32, 0x4a]);
      assert.equal([reads.values[0]?.format, reads.values[0]?.bitLength, reads.values[0]?.value], ['mifare-uid', 56, BigInt('0x04112233445566').toString()]);
    } finally {
      await device.close();
    }
  });

  test('a card taken away and shown again after the repeat window reads again', async () => {
    const { device, sim } = await setup({ repeatMs: 30 });
    try {
      const reads = new Collector<CardRead>();
      device.onRead(reads.push);
      sim.present(uidOf('4660'));
      await reads.until(1, 'reads');
      sim.remove();
      const polls = sim.commands.length;
      await until(() => sim.commands.length >= polls + 6, 'empty polls');
      sim.present(uidOf('4660'));
      await reads.until(2, 'reads');
    } finally {
      await device.close();
    }
  });

  test('a silent chip is reported once as DEVICE_IO and re-initialised when it answers again', async () => {
    const { device, sim } = await setup({ retryDelayMs: 20 });
    try {
      const errors = new Collector<Error>();
      const reads = new Collector<CardRead>();
      device.onError(errors.push);
      device.onRead(reads.push);
      await until(() => sim.commands.includes(0x4a), 'first poll');
      sim.silent = true;
      const [e] = await errors.until(1, 'errors');
      assert.is((e as HalError).code, 'DEVICE_IO');
      const before = sim.commands.length;
      sim.silent = false;
      sim.present(uidOf('99'));
      await reads.until(1, 'reads');
      assert.equal(sim.commands.slice(before, before + 2), [0x14, 0x32], 'SAMConfiguration again after the outage');
      assert.is(errors.values.length, 1);
    } finally {
      await device.close();
    }
  });
}

test.run();
