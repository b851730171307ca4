import type { Clock, TimerHandle } from '../../hal/clock.js';
import type { KeypadKey } from '../../hal/reader.js';

export interface PinEntryOptions {
  clock: Clock;
  /** Quiet time after a key that abandons a half-typed PIN. Default 10 000 ms. */
  timeoutMs?: number;
  /** Keys typed past this many digits abandon the entry (no PIN is that long). Default 16. */
  maxDigits?: number;
  /** A PIN entered with `#`: the digits as typed, and the time `#` was pressed. */
  onPin: (pin: string, timestamp: number) => void;
}

export const DEFAULT_PIN_TIMEOUT_MS = 10_000;

/**
 * Puts keys from a reader's keypad together into a PIN, as door keypads work:
 * digits collect, `#` enters them, `*` clears, and a pause of `timeoutMs` after the
 * last key (on the injected clock) abandons what was typed, so the next person
 * does not start in the middle of someone else's PIN. Whether the PIN is valid is
 * the access core's business, not this one's.
 */
export class PinEntry {
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly maxDigits: number;
  private readonly onPin: PinEntryOptions['onPin'];
  private digits = '';
  private overflowed = false;
  private timer: TimerHandle | null = null;
  private closed = false;

  constructor(options: PinEntryOptions) {
    this.clock = options.clock;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_PIN_TIMEOUT_MS;
    this.maxDigits = options.maxDigits ?? 16;
    this.onPin = options.onPin;
    if (!(this.timeoutMs > 0)) throw new TypeError(`PinEntry: timeoutMs must be > 0, got ${this.timeoutMs}`);
    if (!(Number.isInteger(this.maxDigits) && this.maxDigits > 0)) throw new TypeError(`PinEntry: maxDigits must be a positive integer, got ${this.maxDigits}`);
  }

  /** Digits typed so far (for a display that shows one dot per digit). */
  get length(): number {
    return this.digits.length;
  }

  press(key: KeypadKey): void {
    if (this.closed) return;
    if (key === '*') return this.clear();
    if (key === '#') {
      const pin = this.overflowed ? '' : this.digits;
      this.clear();
      if (pin) this.onPin(pin, this.clock.now());
      return;
    }
    if (this.digits.length >= this.maxDigits) this.overflowed = true;
    else this.digits += key;
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.clear();
    }, this.timeoutMs);
  }

  /** Forgets what was typed. */
  clear(): void {
    this.digits = '';
    this.overflowed = false;
    this.timer?.cancel();
    this.timer = null;
  }

  close(): void {
    this.clear();
    this.closed = true;
  }
}
