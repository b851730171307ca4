// A corrupt header on the line must cost at most one reply timeout, never an
// outage: the panel bounds the length a reply may claim and drops what it half
// read when a reply times out or it sends the next command. Time is a fake clock,
// moved on only while the simulated reader has answered everything it was sent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OsdpControlPanel, type OsdpStatus } from '../../../hal/osdp/index.js';
import type { CardRead } from '../../../hal/reader.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { HANG_GUARD_MS } from '../contracts/util.js';
import { openPtyPair, socatOrSkip } from '../serial/pty.js';
import { OsdpPdSim } from './pd-sim.js';

const REPLY_TIMEOUT_MS = 1_000;

async function setup() {
  const clock = new FakeClock();
  const pair = await openPtyPair();
  const pd = await OsdpPdSim.open(pair.b);
  const cp = new OsdpControlPanel({ path: pair.a, clock, pollIntervalMs: 10, replyTimeoutMs: REPLY_TIMEOUT_MS, retries: 3, offlineRetryMs: 10 });
  const statuses: OsdpStatus[] = [];
  const errors: Error[] = [];
  const reads: CardRead[] = [];
  cp.onStatus((s) => statuses.push(s));
  cp.onError((e) => errors.push(e));
  cp.onRead((r) => reads.push(r));
  /** Runs the line until `done`; fails as soon as the reader drops offline. */
  const runUntil = async (done: () => boolean, what: string): Promise<void> => {
    const guard = Date.now() + HANG_GUARD_MS;
    while (!done()) {
      if (statuses.includes('offline')) throw new Error(`the reader went offline waiting for ${what}: ${errors.map((e) => e.message).join('; ')}`);
      if (Date.now() > guard) throw new Error(`waited ${HANG_GUARD_MS} ms for ${what}`);
      if (pd.idle) clock.advance(5);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
  const close = async () => {
    await cp.close();
    await pd.close();
    await pair.close();
  };
  return { cp, pd, clock, statuses, errors, reads, runUntil, close };
}

if (socatOrSkip('OSDP line recovery over a pty pair')) {
  test('a header claiming 1440 bytes is dropped at once: the next card arrives and the reader stays online', async () => {
    const line = await setup();
    try {
      await line.runUntil(() => line.statuses.includes('online'), 'online');
      line.pd.inject(Uint8Array.from([0xff, 0x53, 0x80, 0xa0, 0x05, 0x04]));
      line.pd.presentCard(4242n);
      await line.runUntil(() => line.reads.length === 1, 'the card');
      assert.is(line.reads[0]?.value, '4242');
      assert.equal(line.statuses, ['online']);
    } finally {
      await line.close();
    }
  });

  test('a header claiming 256 bytes costs one reply timeout: the resend brings the card, the reader stays online', async () => {
    const line = await setup();
    try {
      await line.runUntil(() => line.statuses.includes('online'), 'online');
      line.pd.inject(Uint8Array.from([0xff, 0x53, 0x80, 0x00, 0x01, 0x04]));
      line.pd.presentCard(4243n);
      await line.runUntil(() => line.reads.length === 1, 'the card');
      assert.is(line.reads[0]?.value, '4243');
      assert.equal(line.statuses, ['online']);
    } finally {
      await line.close();
    }
  });
}

test.run();
