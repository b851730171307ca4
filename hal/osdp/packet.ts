import { checksum8, crc16 } from './crc.js';

/**
 * OSDP packet framing (pure). On the wire:
 *
 *   [FF mark] 53 | ADDR | LEN_LSB LEN_MSB | CTRL | [SCB: len type data…] | CODE | DATA… | [MAC ×4] | CRC_LSB CRC_MSB (or 1-byte checksum)
 *
 * ADDR has bit 7 set in replies. LEN counts SOM through the check characters.
 * CTRL: bits 0–1 sequence number, bit 2 CRC-16 (else checksum), bit 3 SCB present.
 * Packets whose SCB type is 0x15–0x18 carry a 4-byte MAC before the CRC.
 */
export const SOM = 0x53;
export const MARK = 0xff;
/** Packets longer than this are refused (the spec lets the PD state its buffer size; 1440 is generous). */
export const MAX_PACKET = 1440;
/**
 * The longest reply a control panel accepts: what the replies it asks for can be (an
 * osdp_RAW of 1024 bits, encrypted and MAC'd, is under 170 bytes), and libosdp's
 * default packet buffer. A header claiming more is noise, not a reply to wait for.
 */
export const MAX_REPLY_PACKET = 256;

export interface OsdpPacket {
  /** PD address, 0–0x7F (0x7F = broadcast). */
  address: number;
  /** True for PD → CP packets (address bit 7). */
  reply: boolean;
  sqn: number;
  useCrc: boolean;
  /** Security block (length byte, type, data) or null. */
  scb: Uint8Array | null;
  code: number;
  /** Bytes after the code, before the MAC; still encrypted for SCS_17/18. */
  data: Uint8Array;
  mac: Uint8Array | null;
  /** SOM … last data byte: what the MAC covers. */
  macInput: Uint8Array;
}

export interface PacketFields {
  address: number;
  reply: boolean;
  sqn: number;
  scb?: Uint8Array | null;
  code: number;
  data?: Uint8Array;
  /** Computes the 16-byte MAC over SOM … last data byte; its first 4 bytes are sent. */
  mac?: (macInput: Uint8Array) => Uint8Array;
  /** Default true. */
  useCrc?: boolean;
}

/** Whether an SCB type puts a MAC on the packet. */
export function hasMac(scb: Uint8Array | null): boolean {
  const type = scb?.[1];
  return type !== undefined && type >= 0x15 && type <= 0x18;
}

/** Builds one packet (without the mark byte). */
export function encodePacket(fields: PacketFields): Buffer {
  const { address, reply, sqn, code, scb = null, data = new Uint8Array(0), useCrc = true } = fields;
  if (!(Number.isInteger(address) && address >= 0 && address <= 0x7f)) throw new TypeError(`OSDP address must be 0–127, got ${address}`);
  if (!(Number.isInteger(sqn) && sqn >= 0 && sqn <= 3)) throw new TypeError(`OSDP sequence number must be 0–3, got ${sqn}`);
  if (scb && scb[0] !== scb.length) throw new TypeError('OSDP security block length byte must equal its length');
  const macLen = fields.mac ? 4 : 0;
  const checkLen = useCrc ? 2 : 1;
  const length = 5 + (scb?.length ?? 0) + 1 + data.length + macLen + checkLen;
  if (length > MAX_PACKET) throw new TypeError(`OSDP packet of ${length} bytes exceeds ${MAX_PACKET}`);
  const ctrl = (sqn & 3) | (useCrc ? 0x04 : 0) | (scb ? 0x08 : 0);
  const head = Buffer.from([SOM, address | (reply ? 0x80 : 0), length & 0xff, length >> 8, ctrl, ...(scb ?? []), code, ...data]);
  const mac = fields.mac ? Buffer.from(fields.mac(head).subarray(0, 4)) : Buffer.alloc(0);
  const body = Buffer.concat([head, mac]);
  if (useCrc) {
    const crc = crc16(body);
    return Buffer.concat([body, Buffer.from([crc & 0xff, crc >> 8])]);
  }
  return Buffer.concat([body, Buffer.from([checksum8(body)])]);
}

export type OsdpParseEvent = { kind: 'packet'; packet: OsdpPacket } | { kind: 'bad'; reason: string };

/**
 * Incremental OSDP framer. Mark bytes and noise between packets are skipped; a
 * packet with a bad length, CRC or checksum comes out as `bad` and scanning goes
 * on after its SOM. `maxLength` bounds the length a header may claim (default
 * MAX_PACKET), so a corrupt header cannot make the framer wait for bytes that
 * never come; `reset` drops a half-read packet.
 */
export class OsdpParser {
  private buffer = Buffer.alloc(0);
  private readonly maxLength: number;

  constructor(options: { maxLength?: number } = {}) {
    this.maxLength = options.maxLength ?? MAX_PACKET;
    if (!(Number.isInteger(this.maxLength) && this.maxLength >= 8 && this.maxLength <= MAX_PACKET)) throw new TypeError(`OsdpParser: maxLength must be 8–${MAX_PACKET}, got ${this.maxLength}`);
  }

  /** Forgets everything received so far (a half-read packet included). */
  reset(): void {
    this.buffer = Buffer.alloc(0);
  }

  push(chunk: Uint8Array): OsdpParseEvent[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const events: OsdpParseEvent[] = [];
    for (;;) {
      const start = this.buffer.indexOf(SOM);
      if (start < 0) {
        this.buffer = Buffer.alloc(0);
        return events;
      }
      const b = this.buffer.subarray(start);
      if (b.length < 5) {
        this.buffer = b;
        return events;
      }
      const length = (b[2] as number) | ((b[3] as number) << 8);
      const ctrl = b[4] as number;
      const useCrc = (ctrl & 0x04) !== 0;
      const min = 5 + 1 + (useCrc ? 2 : 1);
      if (length < min || length > this.maxLength) {
        events.push({ kind: 'bad', reason: `length ${length} out of range` });
        this.buffer = b.subarray(1);
        continue;
      }
      if (b.length < length) {
        this.buffer = b;
        return events;
      }
      const raw = b.subarray(0, length);
      const body = raw.subarray(0, length - (useCrc ? 2 : 1));
      const ok = useCrc ? crc16(body) === ((raw[length - 2] as number) | ((raw[length - 1] as number) << 8)) : checksum8(body) === raw[length - 1];
      if (!ok) {
        events.push({ kind: 'bad', reason: useCrc ? 'CRC-16 mismatch' : 'checksum mismatch' });
        this.buffer = b.subarray(1);
        continue;
      }
      this.buffer = b.subarray(length);
      const parsed = splitBody(body, ctrl);
      events.push(parsed.ok ? { kind: 'packet', packet: parsed.packet } : { kind: 'bad', reason: parsed.reason });
    }
  }
}

function splitBody(body: Buffer, ctrl: number): { ok: true; packet: OsdpPacket } | { ok: false; reason: string } {
  let pos = 5;
  let scb: Uint8Array | null = null;
  if (ctrl & 0x08) {
    const scbLen = body[pos];
    if (scbLen === undefined || scbLen < 2 || pos + scbLen >= body.length) return { ok: false, reason: 'security block overruns the packet' };
    scb = Uint8Array.from(body.subarray(pos, pos + scbLen));
    pos += scbLen;
  }
  const macLen = hasMac(scb) ? 4 : 0;
  const end = body.length - macLen;
  if (pos >= end) return { ok: false, reason: 'packet without a command or reply code' };
  const address = body[1] as number;
  return {
    ok: true,
    packet: {
      address: address & 0x7f,
      reply: (address & 0x80) !== 0,
      sqn: ctrl & 0x03,
      useCrc: (ctrl & 0x04) !== 0,
      scb,
      code: body[pos] as number,
      data: Uint8Array.from(body.subarray(pos + 1, end)),
      mac: macLen ? Uint8Array.from(body.subarray(end)) : null,
      macInput: Uint8Array.from(body.subarray(0, end)),
    },
  };
}

/** The sequence number after `sqn`: 1, 2, 3, 1, … (0 is only sent to reset the PD). */
export function nextSqn(sqn: number): number {
  return sqn >= 3 ? 1 : sqn + 1;
}
