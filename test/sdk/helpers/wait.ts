/** Waiting on events in tests, with a generous guard so a broken test fails instead of hanging. */
export function until(
  subscribe: (wake: () => void) => () => void,
  check: () => boolean,
  what: string,
  guardMs = 20_000,
): Promise<void> {
  if (check()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`gave up waiting for ${what}`));
    }, guardMs);
    const off = subscribe(() => {
      if (check()) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}

/** A promise that rejects when `p` does not settle within the guard. */
export function guard<T>(p: Promise<T>, what: string, guardMs = 20_000): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`gave up waiting for ${what}`)), guardMs);
    }),
  ]).finally(() => clearTimeout(timer));
}
