// Hand-written on purpose (issue 12, point 10): the kept library, `exponential-backoff`
// 3.1.3, is a retry runner (`backOff(promiseFn)`) that sleeps on the global setTimeout
// with "full" or no jitter. The fleet connection reconnects on mqtt 'close' events and
// waits on the injected hal Clock, so tests drive it with the fake clock; only a delay
// calculator fits that, and this one is 30 lines with its random source injectable.
export interface BackoffOptions {
  /** First delay, ms (default 500). */
  initialMs?: number;
  /** Largest delay, ms (default 30 000). */
  maxMs?: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Random spread as a fraction of the delay, 0..1 (default 0.2), so a fleet does not reconnect in step. */
  jitter?: number;
  /** Source of randomness in [0, 1) (default Math.random). */
  random?: () => number;
}

/** Exponential reconnect delays with jitter; `reset()` after a successful connection. */
export class Backoff {
  private attempt = 0;
  private readonly o: Required<BackoffOptions>;

  constructor(options: BackoffOptions = {}) {
    this.o = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2, random: Math.random, ...options };
    const { initialMs, maxMs, factor, jitter } = this.o;
    if (!(initialMs > 0) || !(maxMs >= initialMs)) throw new TypeError('backoff: need 0 < initialMs <= maxMs');
    if (!(factor >= 1)) throw new TypeError('backoff: factor must be >= 1');
    if (!(jitter >= 0 && jitter <= 1)) throw new TypeError('backoff: jitter must be in 0..1');
  }

  next(): number {
    const { initialMs, maxMs, factor, jitter, random } = this.o;
    const raw = Math.min(maxMs, initialMs * factor ** this.attempt);
    if (raw < maxMs) this.attempt++;
    const spread = raw * jitter * (2 * random() - 1);
    return Math.max(0, Math.round(Math.min(maxMs, raw + spread)));
  }

  reset(): void {
    this.attempt = 0;
  }
}
