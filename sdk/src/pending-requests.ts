/** Requests waiting for their reply, by request id; each settles once (reply, error or timeout). */
import type { FleetError } from './errors.js';

interface Pending {
  terminal: string;
  resolve: (body: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class PendingRequests {
  private readonly pending = new Map<string, Pending>();

  get size(): number {
    return this.pending.size;
  }

  /** The terminal request `id` went to, while it waits. */
  terminalOf(id: string): string | undefined {
    return this.pending.get(id)?.terminal;
  }

  /** Resolves with the reply body, or rejects with what `settle` or the timeout gives. */
  wait(id: string, terminal: string, timeoutMs: number, onTimeout: () => Error): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(onTimeout());
      }, timeoutMs);
      this.pending.set(id, { terminal, resolve, reject, timer });
    });
  }

  settle(id: string, outcome: Error | { body: unknown }): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome.body);
  }

  /** Fails every waiting request (of `terminal`, when given). */
  failAll(make: (terminal: string) => FleetError, terminal?: string): void {
    for (const [id, p] of [...this.pending]) if (terminal === undefined || p.terminal === terminal) this.settle(id, make(p.terminal));
  }
}
