import type { Logger } from 'pino';
import { HalError } from '../../errors.js';
import { Sleeper, Stopped } from '../../sleeper.js';
import { SerialCardReader, type SerialCardReaderOptions } from '../card-reader.js';
import { RepeatFilter } from '../repeat-filter.js';
import { LIST_ONE_TYPE_A, MAX_RETRIES_SHORT, parseListResponse, SAM_NORMAL } from './commands.js';
import { encodeFrame, HOST_TO_PN532, PN532_TO_HOST, Pn532Parser, WAKE_UP, type Pn532Event } from './frame.js';

export interface Pn532ReaderOptions extends SerialCardReaderOptions {
  /** Default 115200 (the PN532 HSU rate). */
  baudRate?: number;
  /** Pause between InListPassiveTarget polls. Default 150 ms. */
  pollIntervalMs?: number;
  /** How long to wait for the ACK after a command. Default 100 ms. */
  ackTimeoutMs?: number;
  /** How long to wait for the response after the ACK. Default 1000 ms. */
  responseTimeoutMs?: number;
  /** Wait before re-initialising a silent PN532. Default 2000 ms. */
  retryDelayMs?: number;
  /** The same UID seen again within this window is the same presentation. Default 1500 ms. */
  repeatMs?: number;
}

class Timeout extends Error {}

/**
 * A PN532 NFC reader on a UART (HSU), reading ISO 14443A / Mifare UIDs. After the
 * port opens it wakes the chip, sends SAMConfiguration and a short MaxRetries,
 * then polls InListPassiveTarget. Every command waits for the chip's ACK and its
 * checksummed response. A corrupted response is reported as BAD_FRAME and the
 * next poll goes on; a chip that stops answering is reported once (DEVICE_IO)
 * and re-initialised after `retryDelayMs`.
 */
export class Pn532Reader extends SerialCardReader {
  private readonly parser = new Pn532Parser();
  private readonly repeats: RepeatFilter;
  private readonly opts: Required<Pick<Pn532ReaderOptions, 'pollIntervalMs' | 'ackTimeoutMs' | 'responseTimeoutMs' | 'retryDelayMs'>>;
  private readonly log: Pick<Logger, 'debug' | 'warn'> | undefined;
  private waiter: ((event: Pn532Event) => void) | null = null;
  /** Events that arrived with nobody waiting yet (an ACK and its response often share one chunk). */
  private queue: Pn532Event[] = [];
  private readonly sleeper: Sleeper;
  private running: Promise<void> | null = null;
  private silentReported = false;

  constructor(options: Pn532ReaderOptions) {
    super(options, { name: `PN532 ${options.path}`, baudRate: 115_200 });
    this.sleeper = new Sleeper(options.clock);
    this.log = options.logger;
    this.repeats = new RepeatFilter(options.clock, options.repeatMs ?? 1_500);
    this.opts = {
      pollIntervalMs: options.pollIntervalMs ?? 150,
      ackTimeoutMs: options.ackTimeoutMs ?? 100,
      responseTimeoutMs: options.responseTimeoutMs ?? 1_000,
      retryDelayMs: options.retryDelayMs ?? 2_000,
    };
    this.running = this.run();
  }

  override async close(): Promise<void> {
    await super.close();
    await this.running;
  }

  protected override stopping(): void {
    this.sleeper.stop();
    this.waiter?.({ kind: 'bad', reason: 'closed' });
  }

  protected data(chunk: Buffer): void {
    for (const event of this.parser.push(chunk)) this.deliver(event);
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      try {
        await this.link.whenOpen();
        await this.initialise();
        for (;;) {
          await this.poll();
          await this.sleeper.sleep(this.opts.pollIntervalMs);
        }
      } catch (err) {
        if (this.closed || err instanceof Stopped) return;
        if (err instanceof Timeout) {
          if (!this.silentReported) {
            this.silentReported = true;
            const error = new HalError('DEVICE_IO', `${this.name}: ${err.message}; re-initialising`);
            this.log?.warn({ err: error }, error.message);
            this.errors.emit(error);
          }
          await this.sleeper.sleep(this.opts.retryDelayMs).catch(() => {});
          continue;
        }
        if ((err as HalError).code === 'DEVICE_CLOSED') return;
        // a garbled answer during set-up is reported like one during polling; other errors mean
        // the port went down mid-command: the link reports it and reopens, and set-up starts over
        if (err instanceof HalError && err.code === 'BAD_FRAME') this.errors.emit(err);
        else this.log?.debug({ err }, `${this.name}: restarting after error`);
        await this.sleeper.sleep(this.opts.pollIntervalMs).catch(() => {});
      }
    }
  }

  private async initialise(): Promise<void> {
    await this.link.write(WAKE_UP);
    await this.command(SAM_NORMAL);
    await this.command(MAX_RETRIES_SHORT);
    this.silentReported = false;
    this.log?.debug({}, `${this.name}: initialised`);
  }

  private async poll(): Promise<void> {
    let data: Buffer;
    try {
      data = await this.command(LIST_ONE_TYPE_A);
    } catch (err) {
      if (err instanceof HalError && err.code === 'BAD_FRAME') return this.errors.emit(err);
      throw err;
    }
    const result = parseListResponse(data);
    if (!result.ok) return this.errors.emit(new HalError('BAD_FRAME', `${this.name}: ${result.reason}`));
    if (!result.uid) return;
    const uid = result.uid;
    const value = BigInt(`0x${Buffer.from(uid).toString('hex')}`).toString();
    if (this.repeats.admit(value)) this.reads.emit({ format: 'mifare-uid', bitLength: uid.length * 8, value, timestamp: this.clock.now() });
  }

  /** Sends one command, waits for the ACK and the response; returns the response data (code first). */
  private async command(payload: readonly number[]): Promise<Buffer> {
    const code = payload[0] as number;
    this.queue = []; // whatever is left over answers an earlier, abandoned command
    const ack = this.next(this.opts.ackTimeoutMs, `no ACK to command 0x${code.toString(16)}`);
    ack.catch(() => {}); // awaited below; if the write fails first, its rejection must not go unhandled
    await this.link.write(encodeFrame(HOST_TO_PN532, Uint8Array.from(payload)));
    const first = await ack;
    if (first.kind !== 'ack') throw this.bad(first, 'ACK');
    const reply = await this.next(this.opts.responseTimeoutMs, `no response to command 0x${code.toString(16)}`);
    if (reply.kind !== 'frame') throw this.bad(reply, 'response');
    if (reply.tfi !== PN532_TO_HOST || reply.data[0] !== code + 1) {
      throw new HalError('BAD_FRAME', `${this.name}: response 0x${(reply.data[0] ?? 0).toString(16)} does not answer command 0x${code.toString(16)}`);
    }
    return reply.data;
  }

  private bad(event: Pn532Event, expected: string): HalError {
    const what = event.kind === 'bad' ? event.reason : event.kind;
    return new HalError('BAD_FRAME', `${this.name}: expected ${expected}, got ${what}`);
  }

  private next(timeoutMs: number, what: string): Promise<Pn532Event> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Stopped());
      const queued = this.queue.shift();
      if (queued) return resolve(queued);
      const timer = this.clock.setTimeout(() => {
        this.waiter = null;
        reject(new Timeout(what));
      }, timeoutMs);
      this.waiter = (event) => {
        timer.cancel();
        this.waiter = null;
        if (this.closed) reject(new Stopped());
        else resolve(event);
      };
    });
  }

  private deliver(event: Pn532Event): void {
    if (this.waiter) this.waiter(event);
    else if (this.queue.length < 8) this.queue.push(event);
    else this.log?.debug({ event: event.kind }, `${this.name}: unexpected ${event.kind} dropped`);
  }
}

