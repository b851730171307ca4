import { Listeners, type Unsubscribe } from '../../hal/events.js';
import type { Logger } from '../log.js';

/**
 * The event side of a door or barrier controller: handlers, each event logged (an alarm
 * raised as a warning), and delivery in order. Events queue while one is being
 * delivered, so a handler that acts on the device (e.g. grants from inside a handler)
 * sees events in the order they happened. After close it takes no handler and emits nothing.
 */
export class DeviceEvents<E extends { type: string }> {
  private readonly handlers: Listeners<E>;
  private readonly queue: E[] = [];
  private flushing = false;
  private closed = false;

  /** `device` names it in the log line of a handler that throws (which is then skipped). */
  constructor(
    private readonly log: Logger,
    device: string,
  ) {
    this.handlers = new Listeners((err, event) => this.log.error({ err, event: event.type }, `${device} event handler threw`));
  }

  add(handler: (event: E) => void): Unsubscribe {
    if (this.closed) return () => {};
    return this.handlers.add(handler);
  }

  emit(event: E): void {
    if (this.closed) return;
    this.queue.push(event);
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        if (next.type.startsWith('alarm.') && !next.type.endsWith('-cleared')) this.log.warn({ event: next }, next.type);
        else this.log.info({ event: next }, next.type);
        this.handlers.emit(next);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Drops the handlers and anything not yet delivered. */
  close(): void {
    this.closed = true;
    this.handlers.clear();
    this.queue.length = 0;
  }
}
