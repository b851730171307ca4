import type { Frame } from '../camera.js';
import type { Unsubscribe } from '../events.js';

type Handler = (frame: Frame) => void | Promise<void>;

interface Subscription {
  handler: Handler;
  live: boolean;
  busy: boolean;
  /** The latest frame that arrived while busy; older waiting frames are replaced. */
  waiting: Frame | null;
}

/**
 * Hands frames to subscribers with the Camera contract's rule: while a
 * handler's promise is pending, newer frames replace the one waiting for it, so
 * a slow consumer resumes on the latest frame and never holds the others back.
 * A handler that throws or rejects is reported and keeps receiving frames.
 */
export class FrameDispatcher {
  private readonly subs = new Set<Subscription>();
  private enabled = true;

  constructor(private readonly reportError: (error: unknown) => void) {}

  subscribe(handler: Handler): Unsubscribe {
    const sub: Subscription = { handler, live: true, busy: false, waiting: null };
    this.subs.add(sub);
    return () => {
      sub.live = false;
      sub.waiting = null;
      this.subs.delete(sub);
    };
  }

  deliver(frame: Frame): void {
    if (!this.enabled) return;
    for (const sub of [...this.subs]) {
      if (sub.busy) sub.waiting = frame;
      else this.run(sub, frame);
    }
  }

  /** Forgets frames waiting for busy handlers and holds back new ones until `resume()`. */
  pause(): void {
    this.enabled = false;
    for (const sub of this.subs) sub.waiting = null;
  }

  resume(): void {
    this.enabled = true;
  }

  /** Removes every subscriber for good. */
  clear(): void {
    this.pause();
    for (const sub of this.subs) sub.live = false;
    this.subs.clear();
  }

  private run(sub: Subscription, frame: Frame): void {
    let result: void | Promise<void>;
    try {
      result = sub.handler(frame);
    } catch (error) {
      this.report(error);
      return;
    }
    if (!isThenable(result)) return;
    sub.busy = true;
    Promise.resolve(result)
      .catch((error: unknown) => this.report(error))
      .finally(() => {
        sub.busy = false;
        const next = sub.waiting;
        sub.waiting = null;
        if (next && sub.live && this.enabled) this.run(sub, next);
      });
  }

  private report(error: unknown): void {
    try {
      this.reportError(error);
    } catch {
      // a failing reporter must not stop delivery either
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
