import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { CardReaderBase } from '../reader-base.js';
import { SerialLink } from './link.js';

/** What every card reader on a serial port is configured with. */
export interface SerialCardReaderOptions {
  path: string;
  baudRate?: number;
  clock: Clock;
  reopenDelayMs?: number;
  name?: string;
  logger?: Pick<Logger, 'debug' | 'warn'>;
}

/**
 * A card reader on a SerialLink: the link is opened at construction with the
 * reader's name, its chunks go to `data`, its outages to `onError` listeners, and
 * `close()` ends the listeners, then the port. Subclasses parse in `data`, reset
 * per-connection state in `opened`, and wake their own waits in `stopping`.
 */
export abstract class SerialCardReader extends CardReaderBase {
  readonly name: string;
  protected readonly clock: Clock;
  protected readonly link: SerialLink;

  protected constructor(options: SerialCardReaderOptions, defaults: { name: string; baudRate: number }) {
    super();
    this.name = options.name ?? defaults.name;
    this.clock = options.clock;
    this.link = new SerialLink({
      path: options.path,
      baudRate: options.baudRate ?? defaults.baudRate,
      clock: options.clock,
      name: this.name,
      ...(options.reopenDelayMs !== undefined ? { reopenDelayMs: options.reopenDelayMs } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      onData: (chunk) => this.data(chunk),
      onError: (error) => this.errors.emit(error),
      onOpen: () => this.opened(),
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
    this.keys.clear();
    this.errors.clear();
    this.stopping();
    await this.link.close();
  }

  /** Every chunk read from the port. */
  protected abstract data(chunk: Buffer): void;

  /** Called each time the port (re)opens. */
  protected opened(): void {}

  /** Called once on close, after the listeners are gone and before the port closes. */
  protected stopping(): void {}
}
