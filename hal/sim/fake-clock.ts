import type { Clock, TimerHandle } from '../clock.js';

interface PendingTimer {
  id: number;
  due: number;
  every: number | null;
  fn: () => void;
}

/**
 * A clock that only moves when told. Timers fire in due order (ties in creation
 * order) during `advance`, and the clock reads each timer's due time while its
 * callback runs, as a real clock would.
 */
export class FakeClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers: PendingTimer[] = [];

  constructor(startMs = Date.UTC(2026, 0, 5, 9, 0, 0)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, Math.max(0, ms), null);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    if (!(ms > 0)) throw new TypeError(`setInterval: ms must be > 0, got ${ms}`);
    return this.add(fn, ms, ms);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    if (ms < 0) throw new TypeError('advance: ms must be >= 0');
    const target = this.current + ms;
    for (;;) {
      const next = this.earliest();
      if (!next || next.due > target) break;
      this.current = next.due;
      if (next.every === null) this.remove(next.id);
      else next.due += next.every;
      next.fn();
    }
    this.current = target;
  }

  /** Sets the wall time (jumps forward only) and fires what fell due. */
  setTime(ms: number): void {
    this.advance(Math.max(0, ms - this.current));
  }

  /** Number of timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  private add(fn: () => void, ms: number, every: number | null): TimerHandle {
    const timer: PendingTimer = { id: this.nextId++, due: this.current + ms, every, fn };
    this.timers.push(timer);
    return { cancel: () => this.remove(timer.id) };
  }

  private remove(id: number): void {
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  private earliest(): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.timers) if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    return best;
  }
}
