export type Unsubscribe = () => void;

/** A typed listener set. A throwing listener is reported to `onThrow` and does not stop the others. */
export class Listeners<T> {
  private readonly handlers = new Set<(value: T) => void>();

  constructor(private readonly onThrow: (err: unknown) => void = () => undefined) {}

  add(handler: (value: T) => void): Unsubscribe {
    if (typeof handler !== 'function') throw new TypeError('handler must be a function');
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }

  emit(value: T): void {
    for (const h of [...this.handlers]) {
      try {
        h(value);
      } catch (err) {
        this.onThrow(err);
      }
    }
  }

  get size(): number {
    return this.handlers.size;
  }

  clear(): void {
    this.handlers.clear();
  }
}
