/**
 * The time source of the alert engine and webhook delivery: injected so that
 * multi-hour rules and retry back-off are tested with a fake clock (the HAL's
 * FakeClock has this shape; the site does not import the HAL).
 */
export interface AlertClock {
  now(): number;
  /** Calls `fn` once after `ms`; the handle cancels it. */
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export const systemAlertClock: AlertClock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    // setTimeout holds at most ~24.8 days; longer waits are re-armed by their owners.
    const t = setTimeout(fn, Math.min(ms, 2 ** 31 - 1));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};
