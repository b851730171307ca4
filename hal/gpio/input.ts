import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { Debouncer } from '../debounce.js';
import { Listeners, type Unsubscribe } from '../events.js';
import type { DigitalInput, InputEdge } from '../input.js';
import { onoffNative, resolveGpio, type GpioLine, type GpioNative, type GpioPinRef, type PinValue } from './native.js';

export interface GpioInputOptions {
  pin: GpioPinRef;
  clock: Clock;
  /** A new level must hold this long before it counts. */
  debounceMs: number;
  /**
   * True when the active state reads low: a button or reed contact that closes to
   * ground against a pull-up. Default false.
   */
  activeLow?: boolean;
  native?: GpioNative;
  name?: string;
  logger?: Pick<Logger, 'debug' | 'warn'>;
}

/**
 * A door contact, exit button, tamper or fire input on a GPIO line. Every edge
 * the kernel reports feeds the shared Debouncer; the debounced level is the
 * logical one (active level already applied). Pull-ups are set outside Linux
 * sysfs (Pi: config.txt `gpio=N=ip,pu`; see the board's wiring doc).
 */
export class GpioInput implements DigitalInput {
  readonly name: string;
  private readonly line: GpioLine;
  private readonly activeLow: boolean;
  private readonly debouncer: Debouncer;
  private readonly listeners = new Listeners<InputEdge>();
  private closed = false;

  constructor(options: GpioInputOptions) {
    const native = options.native ?? onoffNative();
    const log = options.logger;
    this.activeLow = options.activeLow ?? false;
    this.name = options.name ?? `GPIO ${options.pin.chip}:${options.pin.line}`;
    const gpio = resolveGpio(native.chips(), options.pin);
    this.line = native.open({ gpio, direction: 'in', edge: 'both' });
    this.debouncer = new Debouncer({
      clock: options.clock,
      debounceMs: options.debounceMs,
      initial: this.isActive(this.line.read()),
      onChange: (edge) => this.listeners.emit(edge),
    });
    this.line.watch((error, value) => {
      if (this.closed) return;
      if (error) {
        log?.warn({ err: error }, `${this.name}: edge watch failed`);
        return;
      }
      this.debouncer.feed(this.isActive(value));
    });
    log?.debug({ gpio, activeLow: this.activeLow, debounceMs: options.debounceMs }, `${this.name}: input open`);
  }

  get state(): boolean {
    return this.debouncer.state;
  }

  /** The last raw logical level the kernel reported, before debouncing. */
  get raw(): boolean {
    return this.debouncer.raw;
  }

  onChange(handler: (edge: InputEdge) => void): Unsubscribe {
    if (this.closed) return () => {};
    return this.listeners.add(handler);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.debouncer.close();
    this.listeners.clear();
    this.line.release();
  }

  private isActive(value: PinValue): boolean {
    return (value === 1) !== this.activeLow;
  }
}
