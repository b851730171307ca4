import { CardReaderBase } from '../reader-base.js';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { HalError } from '../errors.js';
import { SerialLink } from '../serial/link.js';
import { parseConverterLine } from './converter.js';
import { interpretBurst } from './interpret.js';

export interface WiegandSerialReaderOptions {
  path: string;
  /** Default 9600, the usual converter rate. */
  baudRate?: number;
  clock: Clock;
  reopenDelayMs?: number;
  name?: string;
  logger?: Pick<Logger, 'debug' | 'warn'>;
}

const MAX_LINE = 256;

/**
 * A Wiegand reader behind a Wiegand-to-serial converter (a microcontroller that
 * times the 50 µs pulses and prints each frame as a line; see converter.ts for
 * the line formats). Frames get the same parity and length checks as on GPIO.
 */
export class WiegandSerialReader extends CardReaderBase {
  readonly name: string;
  private readonly clock: Clock;
  private readonly link: SerialLink;
  private pending = '';
  private overflow = false;

  constructor(options: WiegandSerialReaderOptions) {
    super();
    this.name = options.name ?? `wiegand converter ${options.path}`;
    this.clock = options.clock;
    this.link = new SerialLink({
      path: options.path,
      baudRate: options.baudRate ?? 9600,
      clock: options.clock,
      name: this.name,
      ...(options.reopenDelayMs !== undefined ? { reopenDelayMs: options.reopenDelayMs } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      onData: (chunk) => this.data(chunk),
      onError: (error) => this.errors.emit(error),
      onOpen: () => {
        this.pending = '';
        this.overflow = false;
      },
    });
  }


  /** Resolves once the serial port is open. */
  whenOpen(): Promise<void> {
    return this.link.whenOpen();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.reads.clear();
    this.errors.clear();
    await this.link.close();
  }

  private data(chunk: Buffer): void {
    this.pending += chunk.toString('latin1');
    const lines = this.pending.split(/\r?\n|\r/);
    this.pending = lines.pop() ?? '';
    for (const line of lines) {
      if (this.overflow) {
        this.overflow = false; // the tail of a line already reported as too long
        continue;
      }
      this.line(line);
    }
    if (this.pending.length > MAX_LINE) {
      if (!this.overflow) this.errors.emit(tooLong(this.name));
      this.overflow = true;
      this.pending = '';
    }
  }

  private line(text: string): void {
    if (text.length > MAX_LINE) return this.errors.emit(tooLong(this.name));
    const parsed = parseConverterLine(text);
    if (parsed.kind === 'empty') return;
    if (parsed.kind === 'bad') return this.errors.emit(new HalError('BAD_FRAME', `${this.name}: ${parsed.reason}`));
    const outcome = interpretBurst({ bits: parsed.bits, noise: false, timestamp: this.clock.now() }, this.name);
    if (outcome.kind === 'read') this.reads.emit(outcome.read);
    else if (outcome.kind === 'bad') this.errors.emit(outcome.error);
    else this.errors.emit(new HalError('BAD_FRAME', `${this.name}: ${parsed.bits.length}-bit frame is too short`));
  }
}

function tooLong(name: string): HalError {
  return new HalError('BAD_FRAME', `${name}: line longer than ${MAX_LINE} characters dropped`);
}
