import type { Clock, TimerHandle } from '../clock.js';
import { Debouncer } from '../debounce.js';
import { Listeners, type Unsubscribe } from '../events.js';
import type { DigitalInput, InputEdge } from '../input.js';

export interface SimInputOptions {
  clock: Clock;
  /** A raw level must hold this long before it counts. Default 20. */
  debounceMs?: number;
  /** Starting level (raw and debounced). Default false (inactive). */
  initial?: boolean;
}

/**
 * A simulated door contact, exit button, tamper switch or fire input. Tests drive
 * the raw level (`setRaw`, `press`, `release`, `bounce`); the debounced level and
 * edges come out through the same Debouncer the GPIO driver uses, timed by the clock.
 */
export class SimInput implements DigitalInput {
  /** Every debounced change delivered (or that would have been, with no handler). */
  readonly history: InputEdge[] = [];
  private readonly clock: Clock;
  private readonly debouncer: Debouncer;
  private readonly listeners = new Listeners<InputEdge>();
  /** Pending bounce steps and the promise each one settles at close. */
  private readonly bounceTimers = new Map<TimerHandle, () => void>();
  private closed = false;

  constructor(options: SimInputOptions) {
    const { clock, debounceMs = 20, initial = false } = options;
    this.clock = clock;
    this.debouncer = new Debouncer({
      clock,
      debounceMs,
      initial,
      onChange: (edge) => {
        this.history.push(edge);
        this.listeners.emit(edge);
      },
    });
  }

  get state(): boolean {
    return this.debouncer.state;
  }

  /** The raw (undebounced) level last set. */
  get raw(): boolean {
    return this.debouncer.raw;
  }

  onChange(handler: (edge: InputEdge) => void): Unsubscribe {
    if (this.closed) return () => {};
    return this.listeners.add(handler);
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.debouncer.close();
      for (const [timer, resolve] of this.bounceTimers) {
        timer.cancel();
        resolve();
      }
      this.bounceTimers.clear();
      this.listeners.clear();
    }
    return Promise.resolve();
  }

  /** Sets the raw level on the simulated wire. Ignored after close. */
  setRaw(active: boolean): void {
    if (typeof active !== 'boolean') throw new TypeError('SimInput.setRaw takes a boolean');
    if (this.closed) return;
    this.debouncer.feed(active);
  }

  press(): void {
    this.setRaw(true);
  }

  release(): void {
    this.setRaw(false);
  }

  /**
   * Plays raw levels one `stepMs` apart on the clock: the first now, the next after
   * `stepMs`, and so on (contact bounce, glitches). Resolves once the last level is
   * set, or at close; with a FakeClock that happens while the test advances it.
   */
  bounce(levels: readonly boolean[], stepMs: number): Promise<void> {
    if (!(Number.isFinite(stepMs) && stepMs > 0)) throw new TypeError(`SimInput.bounce: stepMs must be > 0, got ${stepMs}`);
    for (const l of levels) if (typeof l !== 'boolean') throw new TypeError('SimInput.bounce: levels must be booleans');
    return new Promise((resolve) => {
      const step = (i: number): void => {
        if (this.closed || i >= levels.length) return resolve();
        this.setRaw(levels[i] as boolean);
        if (i + 1 >= levels.length) return resolve();
        const timer = this.clock.setTimeout(() => {
          this.bounceTimers.delete(timer);
          step(i + 1);
        }, stepMs);
        this.bounceTimers.set(timer, resolve);
      };
      step(0);
    });
  }
}
