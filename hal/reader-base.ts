import { Listeners, type Unsubscribe } from './events.js';
import type { CardRead, CardReader, KeyPress } from './reader.js';

/**
 * The listener bookkeeping every card reader shares: `onRead` / `onKey` / `onError`
 * handlers, and no handler registered or called once the reader is closed.
 * Subclasses emit through `reads` / `keys` / `errors`, set `closed` and clear the
 * listeners in `close()`.
 */
export abstract class CardReaderBase implements CardReader {
  protected readonly reads = new Listeners<CardRead>();
  protected readonly keys = new Listeners<KeyPress>();
  protected readonly errors = new Listeners<Error>();
  protected closed = false;

  onRead(handler: (read: CardRead) => void): Unsubscribe {
    if (this.closed) return () => {};
    return this.reads.add(handler);
  }

  onKey(handler: (key: KeyPress) => void): Unsubscribe {
    if (this.closed) return () => {};
    return this.keys.add(handler);
  }

  onError(handler: (error: Error) => void): Unsubscribe {
    if (this.closed) return () => {};
    return this.errors.add(handler);
  }

  abstract close(): Promise<void>;
}
