import type { Logger } from 'pino';
import { closedError, HalError } from '../errors.js';
import type { DigitalOutput } from '../output.js';
import { onoffNative, resolveGpio, type GpioLine, type GpioNative, type GpioPinRef, type PinValue } from './native.js';

export interface GpioOutputOptions {
  pin: GpioPinRef;
  /** True when the load is on while the pin is low (most opto-isolated relay boards). Default false. */
  activeLow?: boolean;
  /** The GPIO layer. Default: onoff over sysfs. */
  native?: GpioNative;
  /** For messages, e.g. "doorRelay". */
  name?: string;
  logger?: Pick<Logger, 'debug' | 'warn'>;
}

/**
 * A relay, LED or buzzer on a GPIO line. `set(true)` drives the active level, so
 * an active-low relay board is energised by a low pin. The line opens already at
 * the inactive level: the relay never clicks while the driver starts.
 */
export class GpioOutput implements DigitalOutput {
  readonly name: string;
  private readonly line: GpioLine;
  private readonly activeLow: boolean;
  private level = false;
  private closed = false;

  constructor(options: GpioOutputOptions) {
    const native = options.native ?? onoffNative();
    this.activeLow = options.activeLow ?? false;
    this.name = options.name ?? `GPIO ${options.pin.chip}:${options.pin.line}`;
    const gpio = resolveGpio(native.chips(), options.pin);
    this.line = native.open({ gpio, direction: this.activeLow ? 'high' : 'low', edge: 'none' });
    options.logger?.debug({ gpio, activeLow: this.activeLow }, `${this.name}: output open`);
  }

  get state(): boolean {
    return this.level;
  }

  set(active: boolean): Promise<void> {
    if (typeof active !== 'boolean') return Promise.reject(new TypeError(`${this.name}: set() takes a boolean`));
    if (this.closed) return Promise.reject(closedError(this.name));
    try {
      this.line.write(this.pinValue(active));
    } catch (cause) {
      return Promise.reject(new HalError('DEVICE_IO', `${this.name}: write failed: ${(cause as Error).message}`, { cause }));
    }
    this.level = active;
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.line.write(this.pinValue(false));
    } finally {
      this.level = false;
      this.line.release();
    }
  }

  private pinValue(active: boolean): PinValue {
    return active !== this.activeLow ? 1 : 0;
  }
}
