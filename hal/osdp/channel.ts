import { hasMac, encodePacket, type OsdpPacket } from './packet.js';
import { SCS } from './codes.js';
import { computeMac, decryptData, encryptData, sameBytes, type SessionKeys } from './secure.js';

/**
 * An established secure session: the keys and the last MAC each side sent. Values
 * are immutable; sealing or opening a packet returns the next session, so a packet
 * that fails verification leaves the session as it was.
 */
export interface SecureSession {
  keys: SessionKeys;
  /** Last MAC of a command (CP → PD). */
  cMac: Uint8Array;
  /** Last MAC of a reply (PD → CP); after the handshake, the initial R-MAC. */
  rMac: Uint8Array;
}

export interface SealInput {
  address: number;
  sqn: number;
  code: number;
  data: Uint8Array;
  /** 'command' = CP → PD, 'reply' = PD → CP. */
  direction: 'command' | 'reply';
}

/** Builds a MAC'd (and, when it has data, encrypted) packet. */
export function seal(session: SecureSession, input: SealInput): { bytes: Buffer; session: SecureSession } {
  const command = input.direction === 'command';
  const iv = command ? session.rMac : session.cMac;
  const encrypted = input.data.length > 0;
  const type = command ? (encrypted ? SCS.CMD_ENC : SCS.CMD_MAC) : encrypted ? SCS.REPLY_ENC : SCS.REPLY_MAC;
  const data = encrypted ? encryptData(session.keys, iv, input.data) : input.data;
  let mac: Buffer | undefined;
  const bytes = encodePacket({
    address: input.address,
    reply: !command,
    sqn: input.sqn,
    scb: Uint8Array.from([2, type]),
    code: input.code,
    data,
    mac: (macInput) => (mac = computeMac(session.keys, iv, macInput)),
  });
  const full = mac as unknown as Buffer;
  return { bytes, session: command ? { ...session, cMac: full } : { ...session, rMac: full } };
}

export type OpenResult = { ok: true; data: Uint8Array; session: SecureSession } | { ok: false; reason: string };

/** Verifies a packet's MAC and decrypts its data. */
export function open(session: SecureSession, packet: OsdpPacket): OpenResult {
  if (!packet.scb || !hasMac(packet.scb) || !packet.mac) return { ok: false, reason: 'plain packet inside a secure session' };
  const command = !packet.reply;
  const type = packet.scb[1];
  const expected: number[] = command ? [SCS.CMD_MAC, SCS.CMD_ENC] : [SCS.REPLY_MAC, SCS.REPLY_ENC];
  if (type === undefined || !expected.includes(type)) return { ok: false, reason: `security block type 0x${(type ?? 0).toString(16)} in the wrong direction` };
  const iv = command ? session.rMac : session.cMac;
  const mac = computeMac(session.keys, iv, packet.macInput);
  if (!sameBytes(mac.subarray(0, 4), packet.mac)) return { ok: false, reason: 'MAC mismatch' };
  let data: Uint8Array = packet.data;
  if (type === SCS.CMD_ENC || type === SCS.REPLY_ENC) {
    const plain = decryptData(session.keys, iv, packet.data);
    if (!plain) return { ok: false, reason: 'encrypted data block does not decrypt' };
    data = plain;
  }
  return { ok: true, data, session: command ? { ...session, cMac: mac } : { ...session, rMac: mac } };
}
