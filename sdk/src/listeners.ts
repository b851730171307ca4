/**
 * The SDK's typed listener set: the twin of `hal/events.ts` (the published SDK cannot
 * import the HAL), with the same rule, checked by one contract test on both.
 *
 * The rule: listeners run in the order they were added; one that throws does not
 * stop the others. Its error goes to `onThrow` (the fleet logs it there); without
 * `onThrow`, `emit` rethrows the first error after every listener ran.
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

  get size(): number {
    return this.handlers.size;
  }

  clear(): void {
    this.handlers.clear();
  }
}
