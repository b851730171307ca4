import type { Clock } from '../clock.js';
import { closedError } from '../errors.js';
import type { DigitalOutput } from '../output.js';

export interface SimOutputOptions {
  /** Stamps the history. */
  clock: Clock;
  /** Used in error messages, e.g. "doorRelay". */
  name?: string;
}

export interface OutputChange {
  active: boolean;
  /** Clock time the level was applied. */
  at: number;
}

/**
 * A simulated relay, LED or buzzer. Levels apply synchronously when `set` is
 * called (the returned promise is already settled), so the history holds exact
 * clock times even while a FakeClock is mid-advance.
 */
export class SimOutput implements DigitalOutput {
  /** Every level change, in order (repeated levels are not recorded; close's release is). */
  readonly history: OutputChange[] = [];
  private readonly clock: Clock;
  private readonly name: string;
  private level = false;
  private closed = false;

  constructor(options: SimOutputOptions) {
    this.clock = options.clock;
    this.name = options.name ?? 'sim output';
  }

  get state(): boolean {
    return this.level;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  set(active: boolean): Promise<void> {
    if (typeof active !== 'boolean') return Promise.reject(new TypeError(`${this.name}: set() takes a boolean`));
    if (this.closed) return Promise.reject(closedError(this.name));
    this.apply(active);
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.apply(false);
      this.closed = true;
    }
    return Promise.resolve();
  }

  /** Total time the output has been active up to now, in ms (handy for duty-cycle checks). */
  activeMs(): number {
    let total = 0;
    let since: number | null = null;
    for (const c of this.history) {
      if (c.active && since === null) since = c.at;
      else if (!c.active && since !== null) {
        total += c.at - since;
        since = null;
      }
    }
    return since === null ? total : total + (this.clock.now() - since);
  }

  private apply(active: boolean): void {
    if (active === this.level) return;
    this.level = active;
    this.history.push({ active, at: this.clock.now() });
  }
}
