import { CardReaderBase } from '../reader-base.js';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { closedError, HalError } from '../errors.js';
import { Listeners, type Unsubscribe } from '../events.js';
import { Sleeper, Stopped } from '../sleeper.js';
import { OsdpBus } from './bus.js';
import { osdpCardRead } from './card.js';
import { CMD, nakReason, REPLY } from './codes.js';
import { OsdpError } from './errors.js';
import { buzzerRecord, ledRecord, parseKeypad, parsePdCap, parsePdId, parseRaw, type BuzzerCommand, type LedCommand, type PdCapability, type PdId } from './messages.js';

export interface OsdpControlPanelOptions {
  /** RS-485 adapter, e.g. /dev/ttyAMA0 behind an auto-direction transceiver, or /dev/ttyUSB0. */
  path: string;
  /** Default 9600. */
  baudRate?: number;
  /** PD address. Default 0. */
  address?: number;
  clock: Clock;
  /**
   * The PD's secure channel base key (16 bytes). When set, every exchange after the
   * handshake is MAC'd and its data encrypted, and the panel never falls back to
   * plain text. When absent the line runs in plain text (not recommended).
   */
  scbk?: Uint8Array;
  /** Pause between polls. Default 200 ms. */
  pollIntervalMs?: number;
  replyTimeoutMs?: number;
  retries?: number;
  /** Wait before reconnecting to a PD that went offline. Default 2000 ms. */
  offlineRetryMs?: number;
  reopenDelayMs?: number;
  name?: string;
  logger?: Pick<Logger, 'debug' | 'warn'>;
}

export type OsdpStatus = 'offline' | 'online';

interface QueuedCommand {
  code: number;
  data: Uint8Array;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * An OSDP control panel for one reader (PD) on an RS-485 line. It identifies the
 * PD (osdp_ID, osdp_CAP), sets up the secure channel when it has the PD's SCBK,
 * then polls; card reads (osdp_RAW) come out as CardReads: Wiegand frames (parity checked)
 * as wiegand26/34/37, so they match cards enrolled at a Wiegand reader; other bits as `osdp`.
 * Keys typed on the reader's keypad (osdp_KEYPAD) come out one by one through `onKey`.
 * `led` and `buzz` queue commands between polls and resolve on the PD's ACK.
 */
export class OsdpControlPanel extends CardReaderBase {
  readonly name: string;
  private readonly clock: Clock;
  private readonly bus: OsdpBus;
  private readonly scbk: Uint8Array | undefined;
  private readonly pollIntervalMs: number;
  private readonly offlineRetryMs: number;
  private readonly log: Pick<Logger, 'debug' | 'warn'> | undefined;
  private readonly statuses = new Listeners<OsdpStatus>();
  private commands: QueuedCommand[] = [];
  private readonly sleeper: Sleeper;
  private currentStatus: OsdpStatus = 'offline';
  private outageReported = false;
  private running: Promise<void>;
  /** What the PD said about itself at the last connection. */
  pdId: PdId | null = null;
  capabilities: PdCapability[] = [];

  constructor(options: OsdpControlPanelOptions) {
    super();
    if (options.scbk !== undefined && !(options.scbk instanceof Uint8Array && options.scbk.length === 16)) throw new TypeError('OSDP scbk must be 16 bytes');
    this.name = options.name ?? `OSDP reader ${options.path}#${options.address ?? 0}`;
    this.clock = options.clock;
    this.scbk = options.scbk;
    this.log = options.logger;
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.offlineRetryMs = options.offlineRetryMs ?? 2_000;
    this.sleeper = new Sleeper(options.clock);
    this.bus = new OsdpBus({
      path: options.path,
      clock: options.clock,
      name: this.name,
      ...(options.baudRate !== undefined ? { baudRate: options.baudRate } : {}),
      ...(options.address !== undefined ? { address: options.address } : {}),
      ...(options.replyTimeoutMs !== undefined ? { replyTimeoutMs: options.replyTimeoutMs } : {}),
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.reopenDelayMs !== undefined ? { reopenDelayMs: options.reopenDelayMs } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      onBadFrame: (error) => this.errors.emit(error),
      onLinkError: (error) => this.errors.emit(error),
    });
    if (!this.scbk) this.log?.warn({}, `${this.name}: no SCBK configured, OSDP runs in plain text`);
    this.running = this.run();
  }

  get status(): OsdpStatus {
    return this.currentStatus;
  }

  /** True while the secure channel is up. */
  get secure(): boolean {
    return this.bus.secure;
  }


  onStatus(handler: (status: OsdpStatus) => void): Unsubscribe {
    if (this.closed) return () => {};
    return this.statuses.add(handler);
  }

  /** Sets a reader LED's permanent state; resolves on the PD's ACK. */
  led(cmd: LedCommand): Promise<void> {
    let data: Uint8Array;
    try {
      data = ledRecord(cmd);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.enqueue(CMD.LED, data);
  }

  /** Starts or stops the reader's buzzer; resolves on the PD's ACK. */
  buzz(cmd: BuzzerCommand): Promise<void> {
    return this.enqueue(CMD.BUZ, buzzerRecord(cmd));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.reads.clear();
    this.keys.clear();
    this.errors.clear();
    this.statuses.clear();
    for (const c of this.commands.splice(0)) c.reject(closedError(this.name));
    this.sleeper.stop();
    await this.bus.close();
    await this.running;
  }

  private enqueue(code: number, data: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this.name));
    if (this.currentStatus === 'offline') return Promise.reject(new OsdpError('OFFLINE', `${this.name} is offline`));
    return new Promise((resolve, reject) => {
      this.commands.push({ code, data, resolve, reject });
      this.sleeper.wake();
    });
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      try {
        await this.bus.whenOpen();
        await this.connect();
        for (;;) {
          const next = this.commands.shift();
          if (next) await this.send(next);
          else {
            this.handle(await this.bus.transact(CMD.POLL));
            if (this.commands.length === 0) await this.sleeper.sleep(this.pollIntervalMs);
          }
        }
      } catch (err) {
        if (this.closed || err instanceof Stopped) return;
        if ((err as HalError).code === 'DEVICE_CLOSED') return;
        this.goOffline(err as Error);
        await this.sleeper.sleep(this.offlineRetryMs).catch(() => {});
      }
    }
  }

  private async connect(): Promise<void> {
    this.bus.reset();
    const id = await this.bus.transact(CMD.ID, Uint8Array.of(0));
    if (id.code !== REPLY.PDID) throw new OsdpError('PROTOCOL', `${this.name}: osdp_ID answered with 0x${id.code.toString(16)}`);
    this.pdId = parsePdId(id.data);
    const cap = await this.bus.transact(CMD.CAP, Uint8Array.of(0));
    this.capabilities = cap.code === REPLY.PDCAP ? (parsePdCap(cap.data) ?? []) : [];
    if (this.scbk) await this.bus.handshake({ scbk: this.scbk });
    // Online means the PD takes our polls: a PD that NAKs them (encryption required,
    // no key here) stays offline instead of flapping online → offline on every retry.
    const first = await this.bus.transact(CMD.POLL);
    if (first.code === REPLY.NAK) throw new OsdpError('NAK', `${this.name}: poll refused: ${nakReason(first.data[0])}`);
    this.outageReported = false;
    this.setStatus('online');
    this.log?.debug({ pd: this.pdId, secure: this.bus.secure }, `${this.name}: online`);
    this.handle(first);
  }

  private async send(cmd: QueuedCommand): Promise<void> {
    let reply;
    try {
      reply = await this.bus.transact(cmd.code, cmd.data);
    } catch (err) {
      cmd.reject(err as Error);
      throw err;
    }
    if (reply.code === REPLY.ACK) return cmd.resolve();
    if (reply.code === REPLY.NAK) return cmd.reject(new OsdpError('NAK', `${this.name}: command 0x${cmd.code.toString(16)} refused: ${nakReason(reply.data[0])}`));
    // a PD may answer with a pending card read instead of an ACK
    this.handle(reply);
    cmd.resolve();
  }

  private handle(reply: { code: number; data: Uint8Array }): void {
    switch (reply.code) {
      case REPLY.ACK:
        return;
      case REPLY.RAW: {
        const card = parseRaw(reply.data);
        if ('error' in card) return this.errors.emit(new HalError('BAD_FRAME', `${this.name}: ${card.error}`));
        this.reads.emit(osdpCardRead(card.bitLength, card.value, this.clock.now()));
        return;
      }
      case REPLY.KEYPAD: {
        const entry = parseKeypad(reply.data);
        if ('error' in entry) return this.errors.emit(new HalError('BAD_FRAME', `${this.name}: ${entry.error}`));
        const timestamp = this.clock.now();
        for (const key of entry.keys) this.keys.emit({ key, timestamp });
        return;
      }
      case REPLY.NAK:
        throw new OsdpError('NAK', `${this.name}: poll refused: ${nakReason(reply.data[0])}`);
      default:
        this.log?.debug({ code: reply.code }, `${this.name}: reply 0x${reply.code.toString(16)} ignored`);
    }
  }

  private goOffline(err: Error): void {
    for (const c of this.commands.splice(0)) c.reject(new OsdpError('OFFLINE', `${this.name} went offline: ${err.message}`));
    this.setStatus('offline');
    if (!this.outageReported) {
      this.outageReported = true;
      this.log?.warn({ err }, `${this.name}: offline`);
      this.errors.emit(err);
    }
  }

  private setStatus(status: OsdpStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.statuses.emit(status);
  }
}
