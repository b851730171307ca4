// Logs inbound messages the agent drops, at warn: a malformed or unexpected payload
// from the broker is worth an operator's look (a misbehaving backend, an attack), but
// a flood of them must not flood the log. One line per code per window; the next line
// for that code says how many were not logged in between.
import type { Clock } from '../../hal/clock.js';
import type { Logger } from '../log.js';

export interface DropLogOptions {
  clock: Clock;
  logger: Logger;
  /** At most one line per code in this many ms. Default one minute. */
  windowMs?: number;
}

export class DropLog {
  private readonly windowMs: number;
  private readonly codes = new Map<string, { loggedAt: number; suppressed: number }>();

  constructor(private readonly o: DropLogOptions) {
    this.windowMs = o.windowMs ?? 60_000;
  }

  /** Notes one dropped message with its code (`{kind}.{reason}`) and, when known, its topic. */
  note(code: string, topic?: string): void {
    const now = this.o.clock.now();
    const seen = this.codes.get(code);
    if (seen && now - seen.loggedAt < this.windowMs) {
      seen.suppressed++;
      return;
    }
    const suppressed = seen?.suppressed ?? 0;
    this.o.logger.warn(
      { code, ...(topic !== undefined && { topic }), ...(suppressed > 0 && { suppressed }) },
      suppressed > 0 ? `fleet: inbound message dropped (${code}; ${suppressed} more since the last line)` : `fleet: inbound message dropped (${code})`,
    );
    this.codes.set(code, { loggedAt: now, suppressed: 0 });
  }
}
