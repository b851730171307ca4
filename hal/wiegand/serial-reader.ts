import { HalError } from '../errors.js';
import { SerialCardReader, type SerialCardReaderOptions } from '../serial/card-reader.js';
import { parseConverterLine } from './converter.js';
import { interpretBurst } from './interpret.js';

export interface WiegandSerialReaderOptions extends SerialCardReaderOptions {
  /** Default 9600, the usual converter rate. */
  baudRate?: number;
}

const MAX_LINE = 256;

/**
 * A Wiegand reader behind a Wiegand-to-serial converter (a microcontroller that
 * times the 50 µs pulses and prints each frame as a line; see converter.ts for
 * the line formats). Frames get the same parity and length checks as on GPIO;
 * keypad bursts (4 or 8 bits per key) come out through `onKey`.
 */
export class WiegandSerialReader extends SerialCardReader {
  private pending = '';
  private overflow = false;

  constructor(options: WiegandSerialReaderOptions) {
    super(options, { name: `wiegand converter ${options.path}`, baudRate: 9600 });
  }

  protected override opened(): void {
    this.pending = '';
    this.overflow = false;
  }

  protected data(chunk: Buffer): void {
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
    else if (outcome.kind === 'key') this.keys.emit(outcome.key);
    else if (outcome.kind === 'bad') this.errors.emit(outcome.error);
    else this.errors.emit(new HalError('BAD_FRAME', `${this.name}: ${parsed.bits.length}-bit frame is too short`));
  }
}

function tooLong(name: string): HalError {
  return new HalError('BAD_FRAME', `${name}: line longer than ${MAX_LINE} characters dropped`);
}
