import { randomBytes } from 'node:crypto';
import type { SerialPort } from 'serialport';
import { open, seal, type SecureSession } from '../../../hal/osdp/channel.js';
import { CMD, REPLY } from '../../../hal/osdp/codes.js';
import { crc16 } from '../../../hal/osdp/crc.js';
import { encodeKeypad, encodeRaw } from '../../../hal/osdp/messages.js';
import { isKeypadKey, type KeypadKey } from '../../../hal/reader.js';
import { encodePacket, hasMac, OsdpParser, type OsdpPacket } from '../../../hal/osdp/packet.js';
import { clientCryptogram, deriveSessionKeys, initialRmac, sameBytes, SCBK_D, serverCryptogram, type SessionKeys } from '../../../hal/osdp/secure.js';
import { closePort, openPort } from '../serial/pty.js';

export interface PdSimOptions {
  address?: number;
  /** The PD's key. Without one the PD is in install mode, as a real reader fresh from the box. */
  scbk?: Uint8Array;
  /**
   * Accepts a secure channel under SCBK-D, and osdp_KEYSET inside it, while true.
   * Default: true when the PD has no key (what libosdp's PD and shipped readers do);
   * it ends when a KEYSET is accepted, after which only the new key opens a session.
   */
  installMode?: boolean;
  /** NAKs plain-text polls once it has a key (encrypted communication required). */
  requireSecure?: boolean;
}

/**
 * A simulated OSDP reader (PD) on the far end of a pty. It follows the PD side of
 * the protocol: sequence numbers (0 resets, a repeat gets the cached reply),
 * osdp_ID / CAP / POLL / LED / BUZ / KEYSET, and the secure channel handshake with
 * MAC checking and encrypted data both ways.
 */
export class OsdpPdSim {
  readonly address: number;
  scbk: Uint8Array | undefined;
  installMode: boolean;
  requireSecure: boolean;
  /** Command codes received (after decryption), in order. */
  readonly commands: number[] = [];
  /** Which key each completed handshake used. */
  readonly handshakes: Array<'scbk' | 'scbk-d'> = [];
  led = { color: 0, on: false };
  /** Why commands were refused (LED records a conforming PD rejects). */
  readonly refusals: string[] = [];
  buzzer = false;
  silent = false;
  private session: SecureSession | null = null;
  private pending: { keys: SessionKeys; rndA: Uint8Array; rndB: Uint8Array; flag: number } | null = null;
  /** Replies waiting for a poll: card reads and keys, in the order they happened. */
  private queued: Array<{ code: number; data: Uint8Array }> = [];
  private lastSqn: number | null = null;
  private lastReply: Buffer | null = null;
  private corruptCrc = false;
  private corruptMac = false;
  private readonly parser = new OsdpParser();
  private received = 0;
  private answered = 0;

  private constructor(
    private readonly port: SerialPort,
    options: PdSimOptions,
  ) {
    this.address = options.address ?? 0;
    this.scbk = options.scbk;
    this.installMode = options.installMode ?? options.scbk === undefined;
    this.requireSecure = options.requireSecure ?? false;
    port.on('data', (chunk: Buffer) => this.data(chunk));
  }

  static async open(path: string, options: PdSimOptions = {}): Promise<OsdpPdSim> {
    return new OsdpPdSim(await openPort(path, 9600), options);
  }

  get secure(): boolean {
    return this.session !== null;
  }

  /**
   * Queues a card read for the next poll (raw bits, format code 0). The default 32 bits is
   * no Wiegand length, so the value comes out unchanged as an `osdp` read.
   */
  presentCard(value: bigint, bitLength = 32): void {
    this.queued.push({ code: REPLY.RAW, data: encodeRaw({ reader: 0, formatCode: 0, bitLength, value }) });
  }

  /** Types keys on the reader's keypad (digits, `*`, `#`): one osdp_KEYPAD per key, as a person types. */
  typeKeys(keys: string): void {
    for (const key of keys) {
      if (!isKeypadKey(key)) throw new TypeError(`no key ${JSON.stringify(key)} on the keypad`);
      this.queued.push({ code: REPLY.KEYPAD, data: encodeKeypad(0, [key as KeypadKey]) });
    }
  }

  /** Queues an osdp_KEYPAD reply as it is (a malformed one, a key the panel does not know). */
  presentKeypadReply(data: Uint8Array): void {
    this.queued.push({ code: REPLY.KEYPAD, data });
  }

  /** Writes bytes onto the line as they are (noise, a corrupt header). */
  inject(bytes: Uint8Array): void {
    this.port.write(Buffer.from(bytes));
  }

  /** True when every command the PD received has been answered (or ignored while silent). */
  get idle(): boolean {
    return this.answered >= this.received;
  }

  /** Queues an osdp_RAW reply whose data is malformed (bit count and data disagree). */
  presentMalformedCard(): void {
    this.queued.push({ code: REPLY.RAW, data: Uint8Array.from([0, 0, 26, 0, 0xff]) });
  }

  /** The next reply goes out with a broken CRC (a resend gets the good one). */
  corruptNextCrc(): void {
    this.corruptCrc = true;
  }

  /** The next secure reply goes out with a wrong MAC and a CRC that matches it. */
  corruptNextMac(): void {
    this.corruptMac = true;
  }

  async close(): Promise<void> {
    await closePort(this.port);
  }

  private data(chunk: Buffer): void {
    for (const event of this.parser.push(chunk)) {
      if (event.kind !== 'packet' || this.silent) continue;
      const p = event.packet;
      if (p.reply || (p.address !== this.address && p.address !== 0x7f)) continue;
      this.received++;
      this.command(p);
    }
  }

  private command(p: OsdpPacket): void {
    if (p.sqn === 0) {
      this.session = null;
      this.lastSqn = null;
    } else if (p.sqn === this.lastSqn && this.lastReply) {
      this.answered++;
      this.port.write(this.lastReply);
      return;
    }
    let data = p.data;
    if (p.scb && hasMac(p.scb)) {
      if (!this.session) return this.reply(p.sqn, REPLY.NAK, Uint8Array.of(0x06), true);
      const opened = open(this.session, p);
      if (!opened.ok) {
        this.session = null;
        return this.reply(p.sqn, REPLY.NAK, Uint8Array.of(0x06), true);
      }
      this.session = opened.session;
      data = opened.data;
    } else if (this.session && p.code !== CMD.CHLNG && p.code !== CMD.SCRYPT) {
      this.session = null;
      return this.reply(p.sqn, REPLY.NAK, Uint8Array.of(0x06), true);
    }
    this.commands.push(p.code);
    switch (p.code) {
      case CMD.ID:
        return this.reply(p.sqn, REPLY.PDID, Uint8Array.from([0x5c, 0x26, 0x0a, 0x01, 0x02, 0x78, 0x56, 0x34, 0x12, 1, 4, 2]));
      case CMD.CAP:
        // function 9 (communication security): compliance 1 = AES-128 secure channel,
        // which a PD in install mode offers under SCBK-D
        return this.reply(p.sqn, REPLY.PDCAP, Uint8Array.from([9, this.scbk || this.installMode ? 1 : 0, 1, 8, 1, 0, 3, 1, 0]));
      case CMD.POLL: {
        if (this.requireSecure && this.scbk && !this.session) return this.reply(p.sqn, REPLY.NAK, Uint8Array.of(0x06));
        const next = this.queued.shift();
        return next ? this.reply(p.sqn, next.code, next.data) : this.reply(p.sqn, REPLY.ACK);
      }
      case CMD.LED: {
        const problem = ledProblem(data);
        if (problem) {
          this.refusals.push(problem);
          return this.reply(p.sqn, REPLY.NAK, Uint8Array.of(0x09));
        }
        if (data[9] === 1) {
          // permanent state: the LED shows the on colour while it has on time, else the off colour
          const color = (data[10] ?? 0) > 0 ? (data[12] ?? 0) : (data[13] ?? 0);
          this.led = { color, on: color !== 0 };
        }
        return this.reply(p.sqn, REPLY.ACK);
      }
      case CMD.BUZ:
        this.buzzer = data[1] === 2;
        return this.reply(p.sqn, REPLY.ACK);
      case CMD.CHLNG:
        return this.challenge(p);
      case CMD.SCRYPT:
        return this.scrypt(p);
      case CMD.KEYSET: {
        if (!this.session || !this.installMode || data[0] !== 1 || data[1] !== 16 || data.length !== 18) return this.reply(p.sqn, REPLY.NAK, Uint8Array.of(0x09));
        this.reply(p.sqn, REPLY.ACK);
        this.scbk = Uint8Array.from(data.subarray(2));
        this.installMode = false;
        this.session = null;
        return;
      }
      default:
        return this.reply(p.sqn, REPLY.NAK, Uint8Array.of(0x03));
    }
  }

  private challenge(p: OsdpPacket): void {
    const flag = p.scb?.[2];
    const key = flag === 0 ? (this.installMode ? SCBK_D : undefined) : this.scbk;
    if (!key || p.data.length !== 8) return this.reply(p.sqn, REPLY.NAK, Uint8Array.of(0x05));
    const rndA = p.data;
    const rndB = randomBytes(8);
    const keys = deriveSessionKeys(key, rndA);
    this.pending = { keys, rndA, rndB, flag: flag ?? 1 };
    const cuid = Uint8Array.from([0x5c, 0x26, 0x0a, 0x01, 0x78, 0x56, 0x34, 0x12]);
    this.reply(p.sqn, REPLY.CCRYPT, Uint8Array.from([...cuid, ...rndB, ...clientCryptogram(keys, rndA, rndB)]), true, Uint8Array.from([3, 0x12, flag ?? 1]));
  }

  private scrypt(p: OsdpPacket): void {
    const pending = this.pending;
    this.pending = null;
    if (!pending || !sameBytes(p.data, serverCryptogram(pending.keys, pending.rndA, pending.rndB))) return this.reply(p.sqn, REPLY.NAK, Uint8Array.of(0x05));
    const rmac = initialRmac(pending.keys, p.data);
    this.reply(p.sqn, REPLY.RMAC_I, rmac, true, Uint8Array.from([3, 0x14, 0x01]));
    this.session = { keys: pending.keys, rMac: rmac, cMac: Buffer.alloc(16) };
    this.handshakes.push(pending.flag === 0 ? 'scbk-d' : 'scbk');
  }

  private reply(sqn: number, code: number, data: Uint8Array = new Uint8Array(0), plain = false, scb?: Uint8Array): void {
    let bytes: Buffer;
    if (this.session && !plain) {
      const out = seal(this.session, { address: this.address, sqn, code, data, direction: 'reply' });
      bytes = out.bytes;
      this.session = out.session;
    } else {
      bytes = encodePacket({ address: this.address, reply: true, sqn, code, data, scb: scb ?? null });
    }
    this.lastSqn = sqn;
    this.lastReply = bytes;
    this.answered++;
    const wire = Buffer.from(bytes);
    if (this.corruptMac && this.session && !plain) {
      this.corruptMac = false;
      wire[wire.length - 3] = (wire.at(-3) ?? 0) ^ 0xff; // last MAC byte
      const crc = crc16(wire, 0, wire.length - 2);
      wire.writeUInt16LE(crc, wire.length - 2);
    } else if (this.corruptCrc) {
      this.corruptCrc = false;
      wire[wire.length - 1] = (wire.at(-1) ?? 0) ^ 0xff;
    }
    this.port.write(wire);
  }
}

/**
 * The checks a conforming PD makes on an osdp_LED record before it ACKs it (libosdp's
 * PD refuses the same): 14 bytes, known control codes and colours, and a state that
 * sets a flash pattern must not have both its on time and its off time zero.
 */
function ledProblem(data: Uint8Array): string | null {
  if (data.length !== 14) return `LED record of ${data.length} bytes`;
  const [tempCode, tempOn, tempOff, tempOnColor, tempOffColor, timerLo, timerHi, permCode, permOn, permOff, permOnColor, permOffColor] = [...data.subarray(2)] as number[];
  if ((tempCode as number) > 2) return `temporary control code ${tempCode}`;
  if ((permCode as number) > 1) return `permanent control code ${permCode}`;
  if (tempCode === 2) {
    if (tempOn === 0 && tempOff === 0) return 'temporary ON time and OFF time cannot both be zero';
    if (timerLo === 0 && timerHi === 0) return 'temporary timer cannot be zero';
    if ((tempOnColor as number) > 7 || (tempOffColor as number) > 7) return 'temporary colour out of range';
  }
  if (permCode === 1) {
    if (permOn === 0 && permOff === 0) return 'permanent ON time and OFF time cannot both be zero';
    if ((permOnColor as number) > 7 || (permOffColor as number) > 7) return 'permanent colour out of range';
  }
  return null;
}
