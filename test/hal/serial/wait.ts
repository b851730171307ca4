import { HANG_GUARD_MS } from '../contracts/util.js';

/** Resolves once `cond()` holds, checking after each turn of the event loop; fails after the hang guard. */
export async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + HANG_GUARD_MS;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`waited ${HANG_GUARD_MS} ms for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
