import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { systemClock } from '../../../hal/clock.js';
import { HalError } from '../../../hal/errors.js';
import type { CardRead } from '../../../hal/reader.js';
import { encodeRdm6300, Rdm6300Parser, Rdm6300Reader } from '../../../hal/serial/rdm6300.js';
import { readerContract } from '../contracts/reader.js';
import { Collector } from '../contracts/util.js';
import { closePort, openPort, openPtyPair, socatOrSkip, withTeardown, writePort } from './pty.js';

const b = (s: string) => Buffer.from(s, 'latin1');
// Tag 62 E3 08 6C ED: XOR 62^E3=81, ^08=89, ^6C=E5, ^ED=08 → checksum "08". 0x62E3086CED = 424715775213.
const GOOD = b('\x0262E3086CED08\x03');

test('fixture: a 14-byte RDM6300 frame, checksum 08, value 424715775213', () => {
  const events = new Rdm6300Parser().push(GOOD);
  assert.is(events.length, 1);
  const e = events[0];
  assert.ok(e?.kind === 'tag');
  if (e?.kind === 'tag') assert.is(Buffer.from(e.tag).toString('hex'), '62e3086ced');
  assert.equal(encodeRdm6300(424715775213n), GOOD, 'the encoder builds the same bytes');
});

test('fixture: ID-12 style frame with CR LF before ETX, split across chunks', () => {
  const p = new Rdm6300Parser();
  assert.equal(p.push(b('\x0262E3086C')), []);
  assert.equal(p.push(b('ED08\r')), []);
  const events = p.push(b('\n\x03'));
  assert.is(events[0]?.kind, 'tag');
});

test('fixtures: bad checksum, non-hex, missing ETX, truncated frame, noise between frames', () => {
  const cases: Array<[string, Buffer, string[]]> = [
    ['checksum 09 instead of 08', b('\x0262E3086CED09\x03'), ['bad:checksum 09 does not match 08']],
    ['a G where hex belongs', b('\x0262E3086CEG08\x03'), ['bad:non-hex']],
    ['ETX replaced by X', b('\x0262E3086CED08X'), ['bad:frame without ETX']],
    ['cut after 6 characters, then a full frame', Buffer.concat([b('\x0262E308'), GOOD]), ['bad:truncated frame (6 of 12 characters)', 'tag']],
    ['power-up garbage then a frame', Buffer.concat([b('\xff\x00zz\x03'), GOOD]), ['tag']],
  ];
  for (const [name, bytes, want] of cases) {
    const got = new Rdm6300Parser().push(bytes).map((e) => (e.kind === 'bad' ? `bad:${e.reason}` : 'tag'));
    assert.is(got.length, want.length, name);
    want.forEach((w, i) => assert.ok(got[i]?.startsWith(w), `${name}: ${got[i]} should start with ${w}`));
  }
});

async function setup(repeatMs = 1_000) {
  const pair = await openPtyPair();
  const tagSide = await openPort(pair.b, 9600);
  const reader = new Rdm6300Reader({ path: pair.a, clock: systemClock, repeatMs });
  await reader.whenOpen();
  const device = withTeardown(reader, async () => {
    await closePort(tagSide);
    await pair.close();
  });
  const send = async (bytes: Buffer) => {
    if (tagSide.isOpen) await writePort(tagSide, bytes);
  };
  return { device, send };
}

if (socatOrSkip('Rdm6300Reader over a pty pair')) {
  readerContract('Rdm6300Reader (socat pty, simulated reader)', async () => {
    const { device, send } = await setup();
    return {
      device,
      control: {
        injectCard: (value) => send(encodeRdm6300(BigInt(value))),
        injectBadFrame: () => send(b('\x0262E3086CED09\x03')),
      },
    };
  });

  test('a tag held in the field streams frames but reads once', async () => {
    const { device, send } = await setup(60_000);
    try {
      const reads = new Collector<CardRead>();
      device.onRead(reads.push);
      await send(Buffer.concat([GOOD, GOOD, GOOD]));
      await send(encodeRdm6300(7n));
      await reads.until(2, 'reads');
      assert.equal(
        reads.values.map((r) => [r.format, r.bitLength, r.value]),
        [
          ['em4100', 40, '424715775213'],
          ['em4100', 40, '7'],
        ],
      );
    } finally {
      await device.close();
    }
  });

  test('a bad frame is BAD_FRAME with the reason', async () => {
    const { device, send } = await setup();
    try {
      const errors = new Collector<Error>();
      device.onError(errors.push);
      await send(b('\x0262E3086CEG08\x03'));
      const [e] = await errors.until(1, 'errors');
      assert.is((e as HalError).code, 'BAD_FRAME');
      assert.match(e?.message ?? '', /non-hex/);
    } finally {
      await device.close();
    }
  });
}

test.run();
