import type { Clock, TimerHandle } from './clock.js';

/** A wait ended because its owner stopped (a driver closing under its poll loop). */
export class Stopped extends Error {}

/**
 * The pause a driver's poll loop takes between exchanges, which `wake` cuts short
 * (new work queued) and `stop` ends for good (the driver is closing).
 */
export class Sleeper {
  private current: { timer: TimerHandle; settle: (stop: boolean) => void } | null = null;
  private stopped = false;

  constructor(private readonly clock: Clock) {}

  /** Resolves after `ms`, or early on `wake`; rejects Stopped once `stop` was called. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopped) return reject(new Stopped());
      const timer = this.clock.setTimeout(() => {
        this.current = null;
        resolve();
      }, ms);
      this.current = {
        timer,
        settle: (stop) => {
          timer.cancel();
          this.current = null;
          if (stop) reject(new Stopped());
          else resolve();
        },
      };
    });
  }

  /** Ends the current sleep now, as if its time were up. */
  wake(): void {
    this.current?.settle(false);
  }

  /** Rejects the current sleep and every later one with Stopped. */
  stop(): void {
    this.stopped = true;
    this.current?.settle(true);
  }
}
