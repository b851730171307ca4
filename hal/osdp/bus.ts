import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { HalError } from '../errors.js';
import { SerialLink } from '../serial/link.js';
import { open, seal, type SecureSession } from './channel.js';
import { CMD, nakReason, REPLY } from './codes.js';
import { OsdpError } from './errors.js';
import { encodePacket, MARK, MAX_REPLY_PACKET, nextSqn, OsdpParser, type OsdpPacket } from './packet.js';
import { clientCryptogram, deriveSessionKeys, initialRmac, sameBytes, SCBK_D, serverCryptogram } from './secure.js';

export interface OsdpBusOptions {
  path: string;
  /** Default 9600. */
  baudRate?: number;
  /** PD address, 0–126. Default 0. */
  address?: number;
  clock: Clock;
  /** How long a PD may take to reply. Default 200 ms (the spec's limit). */
  replyTimeoutMs?: number;
  /** Resends of an unanswered or garbled command before the PD counts as offline. Default 3. */
  retries?: number;
  reopenDelayMs?: number;
  /** A reply that failed its CRC or MAC (reported, then the command is resent). */
  onBadFrame: (error: HalError) => void;
  /** Serial port outages. */
  onLinkError: (error: HalError) => void;
  name?: string;
  logger?: Pick<Logger, 'debug' | 'warn'>;
}

export interface OsdpReply {
  code: number;
  /** Reply data, decrypted when it came encrypted. */
  data: Uint8Array;
  /** The security block data byte of handshake replies (SCS_12 / SCS_14). */
  scbData?: number;
}

/** Which key a handshake uses: the PD's SCBK, or SCBK-D while provisioning a PD in install mode. */
export type HandshakeKey = { scbk: Uint8Array } | { installMode: true };

class Timeout extends Error {}

/**
 * One RS-485 line to one PD, as the control panel: sequence numbers, resends of
 * unanswered or corrupted commands (byte for byte, same sequence number, so the
 * PD can answer a repeat with its cached reply), and the secure channel. Commands
 * go out one at a time; the caller serialises them.
 */
export class OsdpBus {
  readonly name: string;
  readonly address: number;
  private readonly clock: Clock;
  private readonly options: OsdpBusOptions;
  private readonly link: SerialLink;
  private readonly parser = new OsdpParser({ maxLength: MAX_REPLY_PACKET });
  private sqn = 0;
  private session: SecureSession | null = null;
  private waiter: ((e: { packet?: OsdpPacket; bad?: string }) => void) | null = null;
  private queue: Array<{ packet?: OsdpPacket; bad?: string }> = [];
  private closed = false;

  constructor(options: OsdpBusOptions) {
    const address = options.address ?? 0;
    if (!(Number.isInteger(address) && address >= 0 && address <= 0x7e)) throw new TypeError(`OSDP PD address must be 0–126, got ${address}`);
    this.address = address;
    this.options = options;
    this.clock = options.clock;
    this.name = options.name ?? `OSDP ${options.path}#${address}`;
    this.link = new SerialLink({
      path: options.path,
      baudRate: options.baudRate ?? 9600,
      clock: options.clock,
      name: this.name,
      ...(options.reopenDelayMs !== undefined ? { reopenDelayMs: options.reopenDelayMs } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      onData: (chunk) => {
        for (const event of this.parser.push(chunk)) this.deliver(event.kind === 'packet' ? { packet: event.packet } : { bad: event.reason });
      },
      onError: options.onLinkError,
    });
  }

  /** True while a secure session is established. */
  get secure(): boolean {
    return this.session !== null;
  }

  whenOpen(): Promise<void> {
    return this.link.whenOpen();
  }

  /**
   * Starts over: the next command carries sequence number 0 (which resets the PD),
   * the session is dropped and whatever was half received is discarded.
   */
  reset(): void {
    this.sqn = 0;
    this.session = null;
    this.discardReceived();
  }

  /**
   * Sends a command and returns the PD's reply (NAK included). Throws OsdpError
   * OFFLINE when no valid reply comes after every resend, SECURE_CHANNEL when a
   * reply fails its MAC (the session is dropped).
   */
  async transact(code: number, data: Uint8Array = new Uint8Array(0), options: { scb?: Uint8Array; allowPlainReply?: boolean } = {}): Promise<OsdpReply> {
    const sqn = this.sqn;
    let bytes: Buffer;
    let sealed: SecureSession | null = null;
    if (this.session && !options.scb) {
      const out = seal(this.session, { address: this.address, sqn, code, data, direction: 'command' });
      bytes = out.bytes;
      sealed = out.session;
    } else {
      bytes = encodePacket({ address: this.address, reply: false, sqn, scb: options.scb ?? null, code, data });
    }
    const frame = Buffer.concat([Buffer.from([MARK]), bytes]);
    const retries = this.options.retries ?? 3;
    let lastProblem = 'no reply';
    for (let attempt = 0; attempt <= retries; attempt++) {
      // Anything received before this command (a reply that came too late, a half
      // packet behind a corrupt header) can only be stale: resynchronise on what follows.
      this.discardReceived();
      await this.link.write(frame);
      let packet: OsdpPacket;
      try {
        packet = await this.awaitReply(sqn);
      } catch (err) {
        if (!(err instanceof Timeout)) throw err;
        lastProblem = err.message;
        continue;
      }
      if (packet.code === REPLY.BUSY) {
        attempt--;
        await this.pause(this.options.replyTimeoutMs ?? 200);
        continue;
      }
      const reply = this.accept(packet, sealed, options.allowPlainReply === true);
      this.sqn = nextSqn(sqn);
      return reply;
    }
    throw new OsdpError('OFFLINE', `${this.name}: ${lastProblem} to command 0x${code.toString(16)} after ${retries + 1} tries`);
  }

  /** Runs the secure channel handshake (CHLNG → CCRYPT → SCRYPT → RMAC_I). */
  async handshake(key: HandshakeKey): Promise<void> {
    this.session = null;
    const install = 'installMode' in key;
    const scbk = install ? SCBK_D : key.scbk;
    if (!(scbk instanceof Uint8Array) || scbk.length !== 16) throw new TypeError('SCBK must be 16 bytes');
    const keyFlag = install ? 0x00 : 0x01;
    const rndA = randomBytes(8);
    const challenge = await this.transact(CMD.CHLNG, rndA, { scb: Uint8Array.from([3, 0x11, keyFlag]) });
    if (challenge.code === REPLY.NAK) throw new OsdpError('SECURE_CHANNEL', `${this.name}: PD refused the challenge: ${nakReason(challenge.data[0])}`);
    if (challenge.code !== REPLY.CCRYPT || challenge.data.length !== 32) throw new OsdpError('PROTOCOL', `${this.name}: expected osdp_CCRYPT, got 0x${challenge.code.toString(16)}`);
    const rndB = challenge.data.subarray(8, 16);
    const keys = deriveSessionKeys(scbk, rndA);
    if (!sameBytes(challenge.data.subarray(16, 32), clientCryptogram(keys, rndA, rndB))) {
      throw new OsdpError('SECURE_CHANNEL', `${this.name}: the PD's cryptogram does not match (${install ? 'the PD is not in install mode' : 'wrong SCBK'})`);
    }
    const server = serverCryptogram(keys, rndA, rndB);
    const answer = await this.transact(CMD.SCRYPT, server, { scb: Uint8Array.from([3, 0x13, keyFlag]) });
    if (answer.code === REPLY.NAK) throw new OsdpError('SECURE_CHANNEL', `${this.name}: PD refused our cryptogram: ${nakReason(answer.data[0])}`);
    if (answer.code !== REPLY.RMAC_I || answer.data.length !== 16) throw new OsdpError('PROTOCOL', `${this.name}: expected osdp_RMAC_I, got 0x${answer.code.toString(16)}`);
    if (answer.scbData === 0xff) throw new OsdpError('SECURE_CHANNEL', `${this.name}: PD did not accept our cryptogram`);
    if (!sameBytes(answer.data, initialRmac(keys, server))) throw new OsdpError('SECURE_CHANNEL', `${this.name}: initial R-MAC does not match`);
    this.session = { keys, rMac: Buffer.from(answer.data), cMac: Buffer.alloc(16) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.session = null;
    this.waiter?.({ bad: 'closed' });
    await this.link.close();
  }

  private accept(packet: OsdpPacket, sealed: SecureSession | null, allowPlainReply: boolean): OsdpReply {
    const scbData = packet.scb && packet.scb.length >= 3 ? packet.scb[2] : undefined;
    if (!sealed) return { code: packet.code, data: packet.data, ...(scbData !== undefined ? { scbData } : {}) };
    if (!packet.scb) {
      // a PD may answer in plain after dropping the session (a NAK, or the ACK to a KEYSET)
      if (packet.code === REPLY.NAK || allowPlainReply) {
        this.session = null;
        return { code: packet.code, data: packet.data };
      }
    }
    const opened = open(sealed, packet);
    if (!opened.ok) {
      this.session = null;
      const error = new HalError('BAD_FRAME', `${this.name}: reply failed the secure channel: ${opened.reason}`);
      this.options.onBadFrame(error);
      throw new OsdpError('SECURE_CHANNEL', error.message);
    }
    this.session = opened.session;
    return { code: packet.code, data: opened.data };
  }

  /** Waits for this PD's reply with the right sequence number; garbled ones are reported and end the wait. */
  private awaitReply(sqn: number): Promise<OsdpPacket> {
    const timeoutMs = this.options.replyTimeoutMs ?? 200;
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new OsdpError('OFFLINE', `${this.name} is closed`));
      const timer = this.clock.setTimeout(() => {
        this.waiter = null;
        reject(new Timeout('no reply'));
      }, timeoutMs);
      const handle = (e: { packet?: OsdpPacket; bad?: string }): boolean => {
        if (this.closed) {
          timer.cancel();
          reject(new OsdpError('OFFLINE', `${this.name} is closed`));
          return true;
        }
        if (e.bad !== undefined) {
          timer.cancel();
          this.options.onBadFrame(new HalError('BAD_FRAME', `${this.name}: ${e.bad}`));
          reject(new Timeout(`garbled reply (${e.bad})`));
          return true;
        }
        const p = e.packet as OsdpPacket;
        if (!p.reply || p.address !== this.address) return false; // our own echo, or another PD
        if (p.sqn !== sqn && !(p.code === REPLY.BUSY && p.sqn === 0)) {
          this.options.logger?.debug({ sqn: p.sqn, expected: sqn }, `${this.name}: stale reply ignored`);
          return false;
        }
        timer.cancel();
        resolve(p);
        return true;
      };
      for (let e = this.queue.shift(); e; e = this.queue.shift()) if (handle(e)) return;
      this.waiter = (e) => {
        if (handle(e)) this.waiter = null;
      };
    });
  }

  private discardReceived(): void {
    this.parser.reset();
    this.queue = [];
  }

  private deliver(event: { packet?: OsdpPacket; bad?: string }): void {
    if (this.waiter) this.waiter(event);
    else if (this.queue.length < 8) this.queue.push(event);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimeout(resolve, ms));
  }
}
