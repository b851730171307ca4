// Pure OSDP pieces checked against published numbers: the CRC, checksum and
// SCBK-D secure channel examples of the SIA OSDP specification (Annex E), and
// AES-128 CBC vectors from NIST SP 800-38A F.2.1 for the MAC and data blocks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  checksum8,
  clientCryptogram,
  computeMac,
  crc16,
  decryptData,
  deriveSessionKeys,
  encodePacket,
  encodeRaw,
  encryptData,
  initialRmac,
  ledRecord,
  buzzerRecord,
  open,
  nextSqn,
  OsdpParser,
  MAX_REPLY_PACKET,
  parseRaw,
  parsePdId,
  SCBK_D,
  seal,
  serverCryptogram,
  type SessionKeys,
} from '../../../hal/osdp/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('Annex E: CRC-16 examples', () => {
  // osdp_COMSET broadcast to 0x7F: new address 0, 9600 baud (0x00002580 LSB first)
  const comset = hex('53 7F 0D 00 04 6E 00 80 25 00 00');
  assert.is(crc16(comset), 0x386e); // sent as 6E 38
  // osdp_ID to PD 0, sequence 0
  const id = hex('53 00 09 00 04 61 00');
  assert.is(crc16(id), 0x66c0); // sent as C0 66
});

test('Annex E: checksum examples', () => {
  assert.is(checksum8(hex('53 7F 0C 00 00 6E 00 80 25 00 00')), 0x0f);
  assert.is(checksum8(hex('53 00 08 00 00 61 00')), 0x44);
});

test('encodePacket builds the Annex E packets byte for byte', () => {
  assert.equal(encodePacket({ address: 0x7f, reply: false, sqn: 0, code: 0x6e, data: hex('00 80 25 00 00') }), hex('53 7F 0D 00 04 6E 00 80 25 00 00 6E 38'));
  assert.equal(encodePacket({ address: 0, reply: false, sqn: 0, code: 0x61, data: hex('00') }), hex('53 00 09 00 04 61 00 C0 66'));
  assert.equal(encodePacket({ address: 0, reply: false, sqn: 0, code: 0x61, data: hex('00'), useCrc: false }), hex('53 00 08 00 00 61 00 44'));
});

test('Annex E: SCBK-D session keys, cryptograms and initial R-MAC', () => {
  const rndA = hex('B0 B1 B2 B3 B4 B5 B6 B7'); // CP (ACU) random
  const rndB = hex('A0 A1 A2 A3 A4 A5 A6 A7'); // PD random
  const keys = deriveSessionKeys(SCBK_D, rndA);
  assert.is(Buffer.from(keys.mac1).toString('hex'), '5e86c676603bdee2d8beafe178637332');
  assert.is(Buffer.from(keys.mac2).toString('hex'), '6fda86e857777e811320357582391 72e'.replace(/ /g, ''));
  assert.is(Buffer.from(keys.enc).toString('hex'), 'bf8dc2a8329acb8c67c6d0cd9a451682');
  const server = serverCryptogram(keys, rndA, rndB); // "host cryptogram"
  assert.is(server.toString('hex'), '26d3356e07762d262801fc8e6665a891');
  assert.is(clientCryptogram(keys, rndA, rndB).toString('hex'), 'fde5d2f428ec16312471ea3c02bd7796');
  assert.is(initialRmac(keys, server).toString('hex'), 'b2a30057eb98ba2229ec1f875662b524');
});

// NIST SP 800-38A F.2.1 (AES-128 CBC): key, IV, plaintext blocks and ciphertexts.
const KEY = hex('2b7e151628aed2a6abf7158809cf4f3c');
const IV = hex('000102030405060708090a0b0c0d0e0f');
const PT = hex('6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710');
const NIST: SessionKeys = { enc: KEY, mac1: KEY, mac2: KEY };

test('MAC: one whole block is plain AES-CBC of it; four blocks end on the last CBC block', () => {
  // with S-MAC1 = S-MAC2 the OSDP MAC is the last CBC block under that key
  assert.is(computeMac(NIST, IV, PT.subarray(0, 16)).toString('hex'), '7649abac8119b246cee98e9b12e9197d');
  assert.is(computeMac(NIST, IV, PT).toString('hex'), '3ff1caa1681fac09120eca307586e1a7');
  // 15 bytes are padded with 80 to one block
  assert.is(computeMac(NIST, IV, hex('000102030405060708090a0b0c0d0e')).toString('hex'), 'c5311f3d23d086ea86f5ee7f85247b40');
});

test('data blocks: always padded with 80, IV = complement of the last MAC', () => {
  const notIv = Buffer.from(IV.map((b) => ~b & 0xff)); // so that the IV used is IV itself
  const pt15 = hex('000102030405060708090a0b0c0d0e');
  const pt16 = hex('000102030405060708090a0b0c0d0e0f');
  assert.is(encryptData(NIST, notIv, pt15).toString('hex'), 'c5311f3d23d086ea86f5ee7f85247b40');
  assert.is(encryptData(NIST, notIv, pt16).toString('hex'), '7df76b0c1ab899b33e42f047b91b546fe2fe5bd6c1dfcdd19124f03e1a134d3b');
  assert.is(encryptData(NIST, notIv, new Uint8Array(0)).toString('hex'), '4c08220c79d9191022dc6674874ceaf8');
  assert.equal(decryptData(NIST, notIv, hex('c5311f3d23d086ea86f5ee7f85247b40')), pt15);
  assert.equal(decryptData(NIST, notIv, hex('7df76b0c1ab899b33e42f047b91b546fe2fe5bd6c1dfcdd19124f03e1a134d3b')), pt16);
  assert.is(decryptData(NIST, notIv, hex('c5311f3d23d086ea86f5ee7f85247b')), null, 'not a whole block');
  assert.is(decryptData(NIST, IV, hex('c5311f3d23d086ea86f5ee7f85247b40')), null, 'wrong IV: no 80 marker');
});

test('sealed packets open with the peer session; a flipped bit or a replay fails the MAC', () => {
  const keys = deriveSessionKeys(SCBK_D, hex('B0 B1 B2 B3 B4 B5 B6 B7'));
  const rmacI = initialRmac(keys, serverCryptogram(keys, hex('B0B1B2B3B4B5B6B7'), hex('A0A1A2A3A4A5A6A7')));
  const cp = { keys, rMac: rmacI, cMac: Buffer.alloc(16) };
  const pd = { ...cp };
  const cmd = seal(cp, { address: 1, sqn: 1, code: 0x69, data: ledRecord({ color: 'green' }), direction: 'command' });
  const [parsed] = new OsdpParser().push(cmd.bytes);
  assert.ok(parsed?.kind === 'packet');
  if (parsed?.kind !== 'packet') return;
  assert.equal([...(parsed.packet.scb ?? [])], [2, 0x17], 'command with data: SCS_17');
  const atPd = open(pd, parsed.packet);
  assert.ok(atPd.ok);
  if (!atPd.ok) return;
  assert.equal([...atPd.data], [...ledRecord({ color: 'green' })]);
  const rep = seal(atPd.session, { address: 1, sqn: 1, code: 0x40, data: new Uint8Array(0), direction: 'reply' });
  const [reply] = new OsdpParser().push(rep.bytes);
  if (reply?.kind !== 'packet') throw new Error('reply did not parse');
  assert.equal([...(reply.packet.scb ?? [])], [2, 0x16], 'reply without data: SCS_16');
  assert.ok(open(cmd.session, reply.packet).ok, 'the CP verifies the reply against its own C-MAC');
  assert.is(open(pd, parsed.packet).ok, true, 'the same command against the old state opens');
  assert.is(open(rep.session, parsed.packet).ok, false, 'replayed after the PD answered, the command fails the chained MAC');
  const tampered = { ...parsed.packet, data: Uint8Array.from(parsed.packet.data.map((b, i) => (i === 0 ? b ^ 1 : b))) };
  assert.is(open(pd, tampered).ok, false);
});

test('parser: mark bytes, noise, split chunks, bad CRC and absurd lengths', () => {
  const p = new OsdpParser();
  const good = hex('53 00 09 00 04 61 00 C0 66');
  const badCrc = hex('53 00 09 00 04 61 00 C0 67');
  const events = [...p.push(Buffer.concat([hex('FF 00 12'), good.subarray(0, 4)])), ...p.push(Buffer.concat([good.subarray(4), badCrc, hex('53 00 FF 7F 04'), good]))];
  assert.equal(
    events.map((e) => (e.kind === 'packet' ? `packet ${e.packet.code.toString(16)}` : e.reason)),
    ['packet 61', 'CRC-16 mismatch', 'length 32767 out of range', 'packet 61'],
  );
});

test('osdp_RAW, PDID and LED/BUZ payloads', () => {
  const raw = encodeRaw({ reader: 0, formatCode: 1, bitLength: 26, value: 0x2f0f0f1n });
  assert.equal([...raw], [0, 1, 26, 0, 0xbc, 0x3c, 0x3c, 0x40]); // 26 bits packed MSB first, 6 pad bits
  assert.equal(parseRaw(raw), { reader: 0, formatCode: 1, bitLength: 26, value: 0x2f0f0f1n });
  assert.ok('error' in parseRaw(Uint8Array.from([0, 0, 26, 0, 1])));
  assert.ok('error' in parseRaw(Uint8Array.from([0, 0, 0, 0])));
  assert.equal(parsePdId(hex('5C260A 01 02 78563412 010402')), { vendor: 0x0a265c, model: 1, version: 2, serial: 0x12345678, firmware: '1.4.2' });
  assert.equal([...ledRecord({ color: 'red', led: 1 })], [0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0]);
  assert.equal([...ledRecord({ color: 'off' })], [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0], 'dark: on time 0, off time 1, off colour black');
  assert.equal([...buzzerRecord({ on: true })], [0, 2, 1, 0, 0]);
  assert.throws(() => ledRecord({ color: 'ultraviolet' as 'red' }), TypeError);
});

test('parser: a length beyond maxLength is refused at once; reset drops a half-read packet', () => {
  const good = hex('53 00 09 00 04 61 00 C0 66');
  const bounded = new OsdpParser({ maxLength: MAX_REPLY_PACKET });
  const events = bounded.push(Buffer.concat([hex('FF 53 80 A0 05 04'), good]));
  assert.equal(
    events.map((e) => (e.kind === 'packet' ? `packet ${e.packet.code.toString(16)}` : e.reason)),
    ['length 1440 out of range', 'packet 61'],
  );
  const waiting = new OsdpParser({ maxLength: MAX_REPLY_PACKET });
  assert.equal(waiting.push(hex('FF 53 80 00 01 04')), [], 'a 256-byte claim is within bounds: the parser waits');
  assert.equal(waiting.push(good), [], 'the good packet is swallowed by the claim');
  waiting.reset();
  assert.equal(waiting.push(good).map((e) => e.kind), ['packet']);
  assert.throws(() => new OsdpParser({ maxLength: 4 }), TypeError);
});

test('sequence numbers: 0 only resets, then 1, 2, 3, 1, …', () => {
  const seen = [0];
  for (let i = 0; i < 6; i++) seen.push(nextSqn(seen.at(-1) as number));
  assert.equal(seen, [0, 1, 2, 3, 1, 2, 3]);
});

test.run();
