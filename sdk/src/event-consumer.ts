/**
 * Receives event batches, hands the events to the handlers, and acknowledges them
 * after they resolve. Events of one terminal are handled in seq order, one handover
 * at a time; different terminals run concurrently. Batches of a terminal that arrive
 * while its handlers run are queued, and the next handover takes all of them: a batch
 * handler (`Fleet.onEvents`) then gets every new event among them in one call, a
 * per-event handler each of them in turn.
 *
 * Exclusive mode (one consumer sees the whole stream): a batch whose `prev` lies
 * beyond what was handled means a batch went missing in transit; it is not
 * handled, and the terminal is asked to resend from what was handled, so the
 * handlers see every event in order. Shared mode (several consumers split the
 * stream on an MQTT 5 shared subscription): each consumer handles what it gets and
 * acks per seq; the terminal folds the acks into its cursor, so consumers never
 * wait for each other. In both modes, seqs already handled (or already below the
 * terminal's acknowledged cursor) are acknowledged again but not handed over, and
 * a seq jump the terminal itself declares (events it no longer has) is reported as
 * a gap.
 */
import { LIMITS, isKnownEvent, type EventAckBody, type EventBatchBody, type TypedEvent, type WireEvent } from './protocol/index.js';
import { RangeSet, toRanges } from './range-set.js';

/** An event of a type this SDK knows, with its data typed: `switch (e.type)` narrows `e.data`. */
export type KnownFleetEvent = Omit<WireEvent, 'type' | 'data'> & TypedEvent & { terminal: string; known: true };
/**
 * An event this SDK cannot type: a type it does not know, or data not of its type's
 * shape (a terminal with newer firmware). Handed over, not dropped: `type` and `data` as sent.
 */
export type UnknownFleetEvent = WireEvent & { terminal: string; known: false };
/** What an event handler receives: check `known` first, then `switch (e.type)` is exhaustive. */
export type FleetEvent = KnownFleetEvent | UnknownFleetEvent;
export type EventHandler = (event: FleetEvent) => void | Promise<void>;
/** Gets the new events of one terminal (at least one), in the order to handle them. */
export type EventBatchHandler = (events: FleetEvent[]) => void | Promise<void>;

/** Seqs `from..to` (inclusive) of `terminal` will never arrive: the terminal no longer had them. */
export interface EventGap {
  terminal: string;
  from: number;
  to: number;
}

export interface EventConsumerStats {
  delivered: number;
  duplicates: number;
  /** Batches set aside because an earlier one had not arrived (exclusive mode). */
  outOfOrder: number;
  gaps: number;
  handlerErrors: number;
}

interface TerminalState {
  /** Exclusive mode: highest seq handled, in order (-1 = nothing yet). */
  delivered: number;
  /** Shared mode: seqs handled above the terminal's acknowledged cursor. */
  handled: RangeSet;
  floor: number;
  lastResendAsk: number;
  /** Batches received and not yet handed over, each with its caller's promise. */
  queue: Array<{ batch: EventBatchBody; done: () => void; fail: (err: unknown) => void }>;
  /** The running handover loop, null when the queue is empty. */
  pump: Promise<void> | null;
}

export interface EventConsumerOptions {
  shared: boolean;
  handlers: () => EventHandler[];
  batchHandlers?: () => EventBatchHandler[];
  ack: (terminal: string, body: EventAckBody) => void;
  onGap: (gap: EventGap) => void;
  /** A handler threw; `events` are the ones it was given (one for a per-event handler). */
  onError: (err: Error, events: FleetEvent[]) => void;
  now: () => number;
  /** At most one resend request per terminal in this period (ms). */
  resendHoldoffMs?: number;
}

export class EventConsumer {
  private readonly terminals = new Map<string, TerminalState>();
  readonly counters: EventConsumerStats = { delivered: 0, duplicates: 0, outOfOrder: 0, gaps: 0, handlerErrors: 0 };

  constructor(private readonly o: EventConsumerOptions) {}

  /** Queues a validated batch from `terminal`; resolves when it has been handled and acknowledged. */
  accept(terminal: string, batch: EventBatchBody): Promise<void> {
    let s = this.terminals.get(terminal);
    if (!s) {
      s = { delivered: -1, handled: new RangeSet(), floor: 0, lastResendAsk: -Infinity, queue: [], pump: null };
      this.terminals.set(terminal, s);
    }
    const state = s;
    return new Promise<void>((done, fail) => {
      state.queue.push({ batch, done, fail });
      state.pump ??= this.pump(terminal, state);
    });
  }

  /** Resolves when every queued batch has been handled. */
  async idle(): Promise<void> {
    await Promise.all([...this.terminals.values()].map((s) => s.pump));
  }

  private async pump(terminal: string, s: TerminalState): Promise<void> {
    // Start on a later tick: batches that arrive in the same read join the first handover.
    await Promise.resolve();
    while (s.queue.length > 0) {
      const taken = s.queue.splice(0);
      const batches = taken.map((q) => q.batch);
      try {
        await (this.o.shared ? this.shared(terminal, s, batches) : this.exclusive(terminal, s, batches));
        for (const q of taken) q.done();
      } catch (err) {
        for (const q of taken) q.fail(err);
      }
    }
    s.pump = null;
  }

  private async exclusive(terminal: string, s: TerminalState, batches: EventBatchBody[]): Promise<void> {
    const acked: number[] = [];
    const fresh: WireEvent[] = [];
    let askResend = false;
    // The highest seq handled or taken into this handover.
    let base = s.delivered;
    for (const b of batches) {
      base = Math.max(base, b.ackedThrough);
      if (b.prev > base) {
        // Something between `base` and `prev` is still on its way or was lost: ask for it again.
        this.counters.outOfOrder++;
        askResend = true;
        continue;
      }
      let prev = b.prev;
      for (const e of b.events) {
        if (e.seq <= base) {
          this.counters.duplicates++;
          acked.push(e.seq);
          prev = e.seq;
          continue;
        }
        if (e.seq > prev + 1) this.gap(terminal, prev + 1, e.seq - 1);
        fresh.push(e);
        base = e.seq;
        prev = e.seq;
      }
    }
    const handled = await this.deliver(terminal, fresh, true);
    if (handled.length > 0) s.delivered = handled[handled.length - 1]!;
    this.ackSeqs(terminal, [...acked, ...handled]);
    if (askResend) {
      const now = this.o.now();
      if (now - s.lastResendAsk >= (this.o.resendHoldoffMs ?? 1000)) {
        s.lastResendAsk = now;
        this.o.ack(terminal, { ranges: [], resendAfter: Math.max(s.delivered, ...batches.map((b) => b.ackedThrough)) });
      }
    }
  }

  private async shared(terminal: string, s: TerminalState, batches: EventBatchBody[]): Promise<void> {
    const acked: number[] = [];
    const fresh: WireEvent[] = [];
    const taken = new Set<number>();
    for (const b of batches) {
      if (b.ackedThrough > s.floor) {
        s.floor = b.ackedThrough;
        s.handled.dropThrough(s.floor);
      }
      let prev = b.prev;
      for (const e of b.events) {
        if (e.seq <= s.floor || s.handled.has(e.seq) || taken.has(e.seq)) {
          this.counters.duplicates++;
          acked.push(e.seq);
          prev = e.seq;
          continue;
        }
        if (e.seq > prev + 1) this.gap(terminal, prev + 1, e.seq - 1);
        prev = e.seq;
        taken.add(e.seq);
        fresh.push(e);
      }
    }
    // An event a handler failed on is not acked: the terminal resends it after its ack timeout.
    const handled = await this.deliver(terminal, fresh, false);
    for (const seq of handled) s.handled.add(seq);
    this.ackSeqs(terminal, [...acked, ...handled]);
  }

  /** Hands `wire` over; returns the seqs handled (with `stopAtFailure`, the ones before the first failure). */
  private async deliver(terminal: string, wire: WireEvent[], stopAtFailure: boolean): Promise<number[]> {
    if (wire.length === 0) return [];
    const events = wire.map((e) => ({ ...e, terminal, known: isKnownEvent(e) }) as FleetEvent);
    for (const h of this.o.batchHandlers?.() ?? []) {
      try {
        await h(events.slice());
      } catch (err) {
        this.counters.handlerErrors++;
        this.o.onError(err instanceof Error ? err : new Error(String(err)), events);
        return [];
      }
    }
    const handlers = this.o.handlers();
    const handled: number[] = [];
    for (const event of events) {
      try {
        for (const h of handlers) await h(event);
        this.counters.delivered++;
        handled.push(event.seq);
      } catch (err) {
        this.counters.handlerErrors++;
        this.o.onError(err instanceof Error ? err : new Error(String(err)), [event]);
        if (stopAtFailure) break;
      }
    }
    return handled;
  }

  /** One acknowledgement for `seqs` (in any order), split when it has more ranges than a message may carry. */
  private ackSeqs(terminal: string, seqs: number[]): void {
    if (seqs.length === 0) return;
    const ranges = toRanges([...new Set(seqs)].sort((a, b) => a - b));
    for (let i = 0; i < ranges.length; i += LIMITS.maxAckRanges) this.o.ack(terminal, { ranges: ranges.slice(i, i + LIMITS.maxAckRanges) });
  }

  private gap(terminal: string, from: number, to: number): void {
    this.counters.gaps++;
    this.o.onGap({ terminal, from, to });
  }
}
