import type { Logger } from 'pino';
import { SerialPort } from 'serialport';
import type { Clock, TimerHandle } from '../clock.js';
import { closedError, HalError } from '../errors.js';

export interface SerialLinkOptions {
  /** Device path, e.g. /dev/serial0, /dev/ttyAMA0, /dev/ttyUSB0. */
  path: string;
  baudRate: number;
  clock: Clock;
  /** Receives every chunk read from the port. */
  onData: (chunk: Buffer) => void;
  /** Told once per outage (port missing, unplugged, I/O error), not on every retry. */
  onError: (error: HalError) => void;
  /** Called each time the port (re)opens: drivers re-initialise their device here. */
  onOpen?: () => void;
  /** Delay before reopening after the port failed or closed under us. Default 2000 ms. */
  reopenDelayMs?: number;
  name?: string;
  logger?: Pick<Logger, 'debug' | 'warn'>;
}

/**
 * A serial port that keeps itself open: it opens at construction, and when the
 * port is missing, unplugged or fails it reopens after `reopenDelayMs`, for as
 * long as the link is not closed. Every serial reader driver sits on one.
 */
export class SerialLink {
  readonly name: string;
  private readonly options: SerialLinkOptions;
  private port: SerialPort | null = null;
  private retry: TimerHandle | null = null;
  private closed = false;
  private reported = false;
  private opened = false;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private readonly writes = new Set<{ reject: (e: Error) => void }>();

  constructor(options: SerialLinkOptions) {
    if (typeof options.path !== 'string' || options.path === '') throw new TypeError('SerialLink: path must be a non-empty string');
    if (!(Number.isInteger(options.baudRate) && options.baudRate > 0)) throw new TypeError(`SerialLink: bad baudRate ${options.baudRate}`);
    this.options = options;
    this.name = options.name ?? options.path;
    this.open();
  }

  /** True while the port is open. */
  get isOpen(): boolean {
    return this.opened;
  }

  /** Resolves once the port is open (at once if it is); rejects DEVICE_CLOSED if the link closes first. */
  whenOpen(): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this.name));
    if (this.opened) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Writes bytes and waits until the OS has taken them. Rejects DEVICE_IO while the port is down. */
  write(bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this.name));
    const port = this.port;
    if (!port || !this.opened) return Promise.reject(new HalError('DEVICE_IO', `${this.name}: port is not open`));
    return new Promise((resolve, reject) => {
      // a port closing mid-write may never call back: close() settles what is in flight
      const inFlight = { reject };
      this.writes.add(inFlight);
      const settle = (err?: Error | null) => {
        if (!this.writes.delete(inFlight)) return;
        if (err) reject(new HalError('DEVICE_IO', `${this.name}: write failed: ${err.message}`, { cause: err }));
        else resolve();
      };
      port.write(Buffer.from(bytes), (err) => (err ? settle(err) : port.drain((drainErr) => settle(drainErr))));
    });
  }

  /** Closes the port for good; no callback runs afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.retry?.cancel();
    this.retry = null;
    const port = this.port;
    this.port = null;
    this.opened = false;
    for (const w of this.waiters.splice(0)) w.reject(closedError(this.name));
    for (const w of this.writes) w.reject(closedError(this.name));
    this.writes.clear();
    if (port) {
      port.removeAllListeners();
      port.on('error', () => {}); // a write that fails as the port closes must not crash the process
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    }
  }

  private open(): void {
    const { path, baudRate, logger } = this.options;
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    this.port = port;
    port.on('data', (chunk: Buffer) => {
      if (!this.closed && this.port === port) this.options.onData(chunk);
    });
    port.on('error', (err: Error) => this.fail(port, err));
    port.on('close', () => this.fail(port, new Error('port closed')));
    port.open((err) => {
      if (this.closed || this.port !== port) {
        if (!err) port.close();
        return;
      }
      if (err) return this.fail(port, err);
      this.opened = true;
      this.reported = false;
      logger?.debug({ path }, `${this.name}: open`);
      this.options.onOpen?.();
      for (const w of this.waiters.splice(0)) w.resolve();
    });
  }

  private fail(port: SerialPort, err: Error): void {
    if (this.closed || this.port !== port) return;
    this.opened = false;
    this.port = null;
    port.removeAllListeners();
    port.on('error', () => {}); // a late error from the dead port must not crash the process
    if (port.isOpen) port.close();
    const missing = /ENOENT|No such file/i.test(err.message);
    const error = new HalError(missing ? 'DEVICE_NOT_FOUND' : 'DEVICE_IO', `${this.name}: ${missing ? 'port not found' : err.message}`, { cause: err });
    for (const w of this.writes) w.reject(error);
    this.writes.clear();
    if (!this.reported) {
      this.reported = true;
      this.options.logger?.warn({ err: error }, `${this.name}: serial port down, retrying`);
      this.options.onError(error);
    }
    this.retry = this.options.clock.setTimeout(() => {
      this.retry = null;
      if (!this.closed) this.open();
    }, this.options.reopenDelayMs ?? 2_000);
  }
}
