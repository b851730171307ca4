/**
 * The typed listener set of the HAL and the firmware (the SDK, which cannot import
 * the HAL, keeps a twin in `sdk/src/listeners.ts`; one contract test runs on both).
 *
 * The rule: listeners run in the order they were added; one that throws does not
 * stop the others. Its error goes to `onThrow` (owners with a logger log it there);
 * without `onThrow`, `emit` rethrows the first error after every listener ran, so a
 * bug is never swallowed silently.
 */
export type Unsubscribe = () => void;

export class Listeners<T> {
  private readonly handlers = new Set<(value: T) => void>();

  constructor(private readonly onThrow?: (err: unknown, value: T) => void) {}

  add(handler: (value: T) => void): Unsubscribe {
    if (typeof handler !== 'function') throw new TypeError('handler must be a function');
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }

  emit(value: T): void {
    let failed: { err: unknown } | null = null;
    for (const h of [...this.handlers]) {
      try {
        h(value);
      } catch (err) {
        if (this.onThrow) this.onThrow(err, value);
        else failed ??= { err };
      }
    }
    if (failed) throw failed.err;
  }

  clear(): void {
    this.handlers.clear();
  }

  get size(): number {
    return this.handlers.size;
  }
}
