import { Listeners } from '../events.js';
import type { PlateRead, PlateReader } from '../plate-reader.js';

/**
 * The listener bookkeeping every plate reader shares: `on` / `off` for 'plate', a
 * listener that throws does not stop the others (its error goes to `onThrow`, or is
 * rethrown from `emit` after all ran when there is none, as Listeners does), and
 * nothing is emitted once the reader is stopped.
 */
export abstract class PlateReaderBase implements PlateReader {
  private readonly plates: Listeners<PlateRead>;
  private readonly offs = new Map<(read: PlateRead) => void, () => void>();
  protected stopped = false;

  constructor(onThrow?: (err: unknown) => void) {
    this.plates = new Listeners<PlateRead>(onThrow && ((err) => onThrow(err)));
  }

  on(event: 'plate', listener: (read: PlateRead) => void): this {
    if (event !== 'plate') throw new TypeError(`plate reader: unknown event ${String(event)}`);
    if (!this.offs.has(listener)) this.offs.set(listener, this.plates.add(listener));
    return this;
  }

  off(event: 'plate', listener: (read: PlateRead) => void): this {
    if (event !== 'plate') throw new TypeError(`plate reader: unknown event ${String(event)}`);
    this.offs.get(listener)?.();
    this.offs.delete(listener);
    return this;
  }

  protected emit(read: PlateRead): void {
    if (!this.stopped) this.plates.emit(read);
  }

  protected clearListeners(): void {
    this.plates.clear();
    this.offs.clear();
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
}
