/** Shared helpers for the HAL contract suites (no timing assumptions beyond a hang guard). */

/** How long a contract waits for an expected event before failing instead of hanging. */
export const HANG_GUARD_MS = 5_000;

/** Records values and lets a test await "at least n so far". */
export class Collector<T> {
  readonly values: T[] = [];
  private waiters: Array<{ n: number; resolve: () => void }> = [];

  readonly push = (value: T): void => {
    this.values.push(value);
    this.waiters = this.waiters.filter((w) => {
      if (this.values.length < w.n) return true;
      w.resolve();
      return false;
    });
  };

  /** Resolves once `n` values have arrived; rejects after HANG_GUARD_MS (a failure, not a timing check). */
  until(n: number, what = 'values'): Promise<T[]> {
    if (this.values.length >= n) return Promise.resolve(this.values);
    return new Promise((resolve, reject) => {
      const guard = setTimeout(
        () => reject(new Error(`waited ${HANG_GUARD_MS} ms for ${n} ${what}, got ${this.values.length}`)),
        HANG_GUARD_MS,
      );
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(guard);
          resolve(this.values);
        },
      });
    });
  }
}

/** Lets queued I/O and promise callbacks run (used when a control has no settle()). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Awaits a promise expected to reject and returns the error. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, it resolved');
}

/** A promise with its resolve exposed, for handlers the test finishes by hand. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
