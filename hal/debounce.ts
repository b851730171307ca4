import type { Clock, TimerHandle } from './clock.js';
import type { InputEdge } from './input.js';

export interface DebouncerOptions {
  clock: Clock;
  /** How long a new raw level must hold before it counts (0 = no debounce). */
  debounceMs: number;
  /** Debounced level before the first raw change. Defaults to false (inactive). */
  initial?: boolean;
  /** Called once per debounced change, from the clock's timer (or from `feed` when debounceMs is 0). */
  onChange: (edge: InputEdge) => void;
}

/**
 * Turns raw level changes into debounced logical changes, timed by the HAL clock.
 *
 * A new raw level counts once it has held for `debounceMs`; a level that flips
 * back sooner is a glitch and is forgotten. The reported edge carries the time the
 * stable run began (the raw change that started it), so timestamps stay accurate to
 * the wire, not to the debounce delay. GPIO drivers and the sim input share it.
 */
export class Debouncer {
  private readonly clock: Clock;
  private readonly debounceMs: number;
  private readonly onChange: (edge: InputEdge) => void;
  private stable: boolean;
  private rawLevel: boolean;
  private rawSince = 0;
  private pending: TimerHandle | null = null;
  private closed = false;

  constructor(options: DebouncerOptions) {
    const { clock, debounceMs, initial = false, onChange } = options;
    if (!(Number.isFinite(debounceMs) && debounceMs >= 0)) {
      throw new TypeError(`Debouncer: debounceMs must be a number >= 0, got ${debounceMs}`);
    }
    if (typeof onChange !== 'function') throw new TypeError('Debouncer: onChange must be a function');
    this.clock = clock;
    this.debounceMs = debounceMs;
    this.onChange = onChange;
    this.stable = initial;
    this.rawLevel = initial;
  }

  /** The debounced level. */
  get state(): boolean {
    return this.stable;
  }

  /** The last raw level fed in. */
  get raw(): boolean {
    return this.rawLevel;
  }

  /** Feeds the current raw level. Repeating the same level changes nothing. */
  feed(level: boolean): void {
    if (this.closed || level === this.rawLevel) return;
    this.rawLevel = level;
    this.rawSince = this.clock.now();
    this.pending?.cancel();
    this.pending = null;
    if (level === this.stable) return; // a glitch that returned in time
    if (this.debounceMs === 0) {
      this.commit();
      return;
    }
    this.pending = this.clock.setTimeout(() => {
      this.pending = null;
      this.commit();
    }, this.debounceMs);
  }

  /** Cancels a pending change; later feeds are ignored and no change is reported. */
  close(): void {
    this.closed = true;
    this.pending?.cancel();
    this.pending = null;
  }

  private commit(): void {
    if (this.closed || this.rawLevel === this.stable) return;
    this.stable = this.rawLevel;
    this.onChange({ active: this.stable, timestamp: this.rawSince });
  }
}
