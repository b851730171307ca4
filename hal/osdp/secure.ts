import { createCipheriv, createDecipheriv, timingSafeEqual } from 'node:crypto';

/**
 * OSDP secure channel cryptography (SIA OSDP v2.2 Annex D), pure functions over
 * AES-128.
 * - Session keys: S-ENC = AES(SCBK, 01 82 RND.A[0..5] 00×8), S-MAC1 = AES(SCBK, 01 01 …), S-MAC2 = AES(SCBK, 01 02 …).
 * - Client (PD) cryptogram = AES(S-ENC, RND.A ‖ RND.B); server (CP) cryptogram = AES(S-ENC, RND.B ‖ RND.A).
 * - Initial R-MAC = AES(S-MAC2, AES(S-MAC1, server cryptogram)).
 * - MAC: CBC-MAC over SOM … last data byte, padded with 80 00… when not a whole
 *   number of blocks; every block but the last under S-MAC1, the last under S-MAC2;
 *   the IV is the last MAC from the other side (R-MAC for commands, C-MAC for replies).
 * - Data: AES-CBC under S-ENC, IV = the complement of that same last MAC, always
 *   padded with 80 00… (a whole extra block when already aligned).
 */
export const SCBK_D = Uint8Array.from([0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f]);

export interface SessionKeys {
  enc: Uint8Array;
  mac1: Uint8Array;
  mac2: Uint8Array;
}

function ecb(key: Uint8Array, block: Uint8Array): Buffer {
  const c = createCipheriv('aes-128-ecb', key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

function cbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Buffer {
  const c = createCipheriv('aes-128-cbc', key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

function checkKey(key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== 16) throw new TypeError(`${what} must be 16 bytes`);
}

export function deriveSessionKeys(scbk: Uint8Array, rndA: Uint8Array): SessionKeys {
  checkKey(scbk, 'SCBK');
  if (rndA.length !== 8) throw new TypeError('RND.A must be 8 bytes');
  const block = (b: number) => ecb(scbk, Uint8Array.from([0x01, b, ...rndA.subarray(0, 6), 0, 0, 0, 0, 0, 0, 0, 0]));
  return { enc: block(0x82), mac1: block(0x01), mac2: block(0x02) };
}

export function clientCryptogram(keys: SessionKeys, rndA: Uint8Array, rndB: Uint8Array): Buffer {
  return ecb(keys.enc, Uint8Array.from([...rndA, ...rndB]));
}

export function serverCryptogram(keys: SessionKeys, rndA: Uint8Array, rndB: Uint8Array): Buffer {
  return ecb(keys.enc, Uint8Array.from([...rndB, ...rndA]));
}

export function initialRmac(keys: SessionKeys, serverCrypt: Uint8Array): Buffer {
  return ecb(keys.mac2, ecb(keys.mac1, serverCrypt));
}

function pad(data: Uint8Array, always: boolean): Buffer {
  if (!always && data.length % 16 === 0 && data.length > 0) return Buffer.from(data);
  const out = Buffer.alloc((Math.floor(data.length / 16) + 1) * 16);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/** The full 16-byte MAC of a message; the packet carries its first 4 bytes. */
export function computeMac(keys: SessionKeys, iv: Uint8Array, message: Uint8Array): Buffer {
  const padded = pad(message, false);
  let chain: Uint8Array = iv;
  if (padded.length > 16) {
    const head = cbc(keys.mac1, iv, padded.subarray(0, padded.length - 16));
    chain = head.subarray(head.length - 16);
  }
  return cbc(keys.mac2, chain, padded.subarray(padded.length - 16));
}

function complement(mac: Uint8Array): Buffer {
  return Buffer.from(mac.map((b) => ~b & 0xff));
}

export function encryptData(keys: SessionKeys, lastMac: Uint8Array, data: Uint8Array): Buffer {
  return cbc(keys.enc, complement(lastMac), pad(data, true));
}

/** Decrypts and strips the 80 00… padding; null when the length or padding is wrong. */
export function decryptData(keys: SessionKeys, lastMac: Uint8Array, data: Uint8Array): Buffer | null {
  if (data.length === 0 || data.length % 16 !== 0) return null;
  const d = createDecipheriv('aes-128-cbc', keys.enc, complement(lastMac));
  d.setAutoPadding(false);
  const plain = Buffer.concat([d.update(data), d.final()]);
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0x00) end--;
  if (end < 0 || plain[end] !== 0x80) return null;
  return plain.subarray(0, end);
}

/** Constant-time comparison of equal-length byte strings. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
