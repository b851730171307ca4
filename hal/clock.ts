/**
 * Time source for everything that waits or stamps. Firmware never calls
 * Date.now() or setTimeout directly, so door timing and schedules can be tested
 * with a fake clock that advances only when the test says so.
 */
export interface TimerHandle {
  /** Cancels the timer. Cancelling a fired or already cancelled timer does nothing. */
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds (0 or more). */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Calls `fn` every `ms` milliseconds (more than 0) until cancelled. */
  setInterval(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
  setInterval(fn, ms) {
    if (!(ms > 0)) throw new TypeError(`setInterval: ms must be > 0, got ${ms}`);
    const t = setInterval(fn, ms);
    return { cancel: () => clearInterval(t) };
  },
};
