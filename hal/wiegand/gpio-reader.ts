import { CardReaderBase } from '../reader-base.js';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { onoffNative, resolveGpio, type GpioLine, type GpioNative, type GpioPinRef, type PinValue } from '../gpio/native.js';
import { WiegandAssembler } from './assembler.js';
import { interpretBurst } from './interpret.js';

export interface GpioWiegandReaderOptions {
  /** DATA0 line: a low pulse is a 0 bit. */
  d0: GpioPinRef;
  /** DATA1 line: a low pulse is a 1 bit. */
  d1: GpioPinRef;
  clock: Clock;
  /** Quiet time that ends a frame. Default 25 ms. */
  frameGapMs?: number;
  native?: GpioNative;
  name?: string;
  logger?: Pick<Logger, 'debug' | 'warn'>;
}

/**
 * A Wiegand reader wired straight to two GPIO inputs (through a 5 V → 3.3 V level
 * shifter). Each falling edge is one bit; a falling edge while the other line is
 * low marks the frame as noise. Linux delivers sysfs edges late and can merge
 * 50 µs pulses under load, so on real boards a Wiegand-to-serial converter
 * (WiegandSerialReader) is the reliable choice; this driver suits readers with
 * long pulses and lightly loaded boards. Keypad bursts (4 or 8 bits per key) come
 * out through `onKey`.
 */
export class GpioWiegandReader extends CardReaderBase {
  readonly name: string;
  private readonly lines: [GpioLine, GpioLine];
  private readonly levels: [PinValue, PinValue];
  private readonly assembler: WiegandAssembler;

  constructor(options: GpioWiegandReaderOptions) {
    super();
    const native = options.native ?? onoffNative();
    const log = options.logger;
    this.name = options.name ?? 'wiegand reader';
    const chips = native.chips();
    const d0 = native.open({ gpio: resolveGpio(chips, options.d0), direction: 'in', edge: 'both' });
    let d1: GpioLine;
    try {
      d1 = native.open({ gpio: resolveGpio(chips, options.d1), direction: 'in', edge: 'both' });
    } catch (err) {
      d0.release();
      throw err;
    }
    this.lines = [d0, d1];
    this.levels = [d0.read(), d1.read()];
    this.assembler = new WiegandAssembler({
      clock: options.clock,
      ...(options.frameGapMs !== undefined ? { frameGapMs: options.frameGapMs } : {}),
      onBurst: (burst) => {
        const outcome = interpretBurst(burst, this.name);
        if (outcome.kind === 'read') this.reads.emit(outcome.read);
        else if (outcome.kind === 'key') this.keys.emit(outcome.key);
        else if (outcome.kind === 'bad') this.errors.emit(outcome.error);
        else log?.debug({ bits: burst.bits.length }, `${this.name}: ${outcome.reason}`);
      },
    });
    for (const index of [0, 1] as const) {
      this.lines[index].watch((error, value) => {
        if (this.closed) return;
        if (error) return log?.warn({ err: error }, `${this.name}: D${index} watch failed`);
        this.edge(index, value);
      });
    }
  }


  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.assembler.close();
    this.reads.clear();
    this.keys.clear();
    this.errors.clear();
    for (const line of this.lines) line.release();
  }

  private edge(index: 0 | 1, value: PinValue): void {
    const previous = this.levels[index];
    this.levels[index] = value;
    if (!(previous === 1 && value === 0)) return; // only falling edges carry bits
    if (this.levels[index === 0 ? 1 : 0] === 0) this.assembler.noise();
    else this.assembler.bit(index);
  }
}
