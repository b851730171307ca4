import { CardReaderBase } from '../reader-base.js';
import type { Clock } from '../clock.js';
import { closedError, HalError } from '../errors.js';
import { isKeypadKey, type CardFormat, type CardRead, type KeyPress } from '../reader.js';

export interface SimCardReaderOptions {
  /** Stamps the reads. */
  clock: Clock;
  /** Used in error messages. */
  name?: string;
}

/** What a present call produced: the read handed to `onRead`, or the error handed to `onError`. */
export type PresentResult = { ok: true; read: CardRead } | { ok: false; error: HalError };

interface FrameLayout {
  /** Data bits after parity is stripped. */
  bitLength: number;
  /** Bits of the value below the facility code; undefined when the format has none. */
  cardBits?: number;
}

/** Frame layouts per format, as documented on CardRead in hal/reader.ts. */
const LAYOUTS: Partial<Record<CardFormat, FrameLayout>> = {
  wiegand26: { bitLength: 24, cardBits: 16 },
  wiegand34: { bitLength: 32, cardBits: 16 },
  wiegand37: { bitLength: 35, cardBits: 19 },
  em4100: { bitLength: 40 },
};
const MIFARE_UID_BITS = [32, 56, 80];
const MAX_PIN_DIGITS = 16;

/**
 * A simulated card reader / PIN keypad. `present` plays what a real reader would
 * deliver for a card value; a value that cannot be encoded in the chosen format
 * (too large, not a number) comes out as a BAD_FRAME error, as a real frame with
 * wrong parity or length would. Nothing a test or a control panel passes in throws.
 */
export class SimCardReader extends CardReaderBase {
  /** Every read delivered (or that would have been, with no handler). */
  readonly history: CardRead[] = [];
  private readonly clock: Clock;
  private readonly name: string;

  constructor(options: SimCardReaderOptions) {
    super();
    this.clock = options.clock;
    this.name = options.name ?? 'sim card reader';
  }


  close(): Promise<void> {
    this.closed = true;
    this.reads.clear();
    this.keys.clear();
    this.errors.clear();
    return Promise.resolve();
  }

  /** Presses one key on the keypad (a digit, `*` or `#`), as a reader that sends keys one by one does. */
  pressKey(key: string): PresentResult | { ok: true; key: KeyPress } {
    if (!isKeypadKey(key)) return this.fail(`no key ${describe(key)} on the keypad`);
    if (this.closed) return { ok: false, error: closedError(this.name) };
    const press: KeyPress = { key, timestamp: this.clock.now() };
    this.keys.emit(press);
    return { ok: true, key: press };
  }

  /**
   * Presents a card whose credential value is `value` (decimal string, safe integer
   * or bigint). Wiegand values carry the facility code in their high bits.
   */
  present(value: string | number | bigint, format: CardFormat = 'wiegand26'): PresentResult {
    if (format === 'keypad') return this.presentPin(String(value));
    const n = toUnsigned(value);
    if (n === null) return this.fail(`card value ${describe(value)} is not a non-negative whole number`);
    let bitLength: number;
    let facility: number | undefined;
    const layout = LAYOUTS[format];
    if (layout) {
      if (n >= 1n << BigInt(layout.bitLength)) {
        return this.fail(`card value ${n} does not fit in ${format} (${layout.bitLength} data bits)`);
      }
      bitLength = layout.bitLength;
      if (layout.cardBits !== undefined) facility = Number(n >> BigInt(layout.cardBits));
    } else if (format === 'mifare-uid') {
      const fit = MIFARE_UID_BITS.find((bits) => n < 1n << BigInt(bits));
      if (fit === undefined) return this.fail(`card value ${n} is longer than a 10-byte Mifare UID`);
      bitLength = fit;
    } else if (format === 'osdp') {
      bitLength = Math.max(1, n.toString(2).length);
    } else {
      return this.fail(`unknown card format ${describe(format)}`);
    }
    const read: CardRead = { format, bitLength, value: n.toString(), timestamp: this.clock.now() };
    if (facility !== undefined) read.facility = facility;
    return this.deliver(read);
  }

  /** Enters a PIN on the keypad: 1 to 16 digits, leading zeros kept. */
  presentPin(pin: string): PresentResult {
    if (typeof pin !== 'string' || !/^[0-9]+$/.test(pin) || pin.length > MAX_PIN_DIGITS) {
      return this.fail(`PIN ${describe(pin)} is not 1 to ${MAX_PIN_DIGITS} digits`);
    }
    return this.deliver({ format: 'keypad', bitLength: 4 * pin.length, value: pin, timestamp: this.clock.now() });
  }

  /** Delivers a framing / parity failure, as a real reader reports a garbled frame. */
  emitBadFrame(reason = 'parity error'): PresentResult {
    return this.fail(reason);
  }

  private deliver(read: CardRead): PresentResult {
    if (this.closed) return { ok: false, error: closedError(this.name) };
    this.history.push(read);
    this.reads.emit(read);
    return { ok: true, read };
  }

  private fail(reason: string): PresentResult {
    if (this.closed) return { ok: false, error: closedError(this.name) };
    const error = new HalError('BAD_FRAME', `${this.name}: ${reason}`);
    this.errors.emit(error);
    return { ok: false, error };
  }
}

function toUnsigned(value: unknown): bigint | null {
  if (typeof value === 'bigint') return value >= 0n ? value : null;
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : null;
  if (typeof value === 'string') return /^[0-9]{1,40}$/.test(value) ? BigInt(value) : null;
  return null;
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
