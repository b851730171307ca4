/**
 * Receives event batches, hands each event to the handlers, and acknowledges it
 * after they resolve. Events of one terminal are handled one at a time, in seq
 * order; different terminals run concurrently.
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
import { isKnownEvent, type EventAckBody, type EventBatchBody, type TypedEvent, type WireEvent } from './protocol/index.js';
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
  chain: Promise<void>;
  lastResendAsk: number;
}

export interface EventConsumerOptions {
  shared: boolean;
  handlers: () => EventHandler[];
  ack: (terminal: string, body: EventAckBody) => void;
  onGap: (gap: EventGap) => void;
  onError: (err: Error, event: FleetEvent) => void;
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
      s = { delivered: -1, handled: new RangeSet(), floor: 0, chain: Promise.resolve(), lastResendAsk: -Infinity };
      this.terminals.set(terminal, s);
    }
    const state = s;
    const run = state.chain.then(() => (this.o.shared ? this.shared(terminal, state, batch) : this.exclusive(terminal, state, batch)));
    state.chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves when every queued batch has been handled. */
  async idle(): Promise<void> {
    await Promise.all([...this.terminals.values()].map((s) => s.chain));
  }

  private async exclusive(terminal: string, s: TerminalState, b: EventBatchBody): Promise<void> {
    let base = Math.max(s.delivered, b.ackedThrough);
    if (b.prev > base) {
      // Something between `base` and `prev` is still on its way or was lost: ask for it again.
      this.counters.outOfOrder++;
      const now = this.o.now();
      if (now - s.lastResendAsk >= (this.o.resendHoldoffMs ?? 1000)) {
        s.lastResendAsk = now;
        this.o.ack(terminal, { ranges: [], resendAfter: base });
      }
      return;
    }
    const acked: number[] = [];
    let prev = b.prev;
    for (const e of b.events) {
      if (e.seq <= base) {
        this.counters.duplicates++;
        acked.push(e.seq);
        prev = e.seq;
        continue;
      }
      if (e.seq > prev + 1) this.gap(terminal, prev + 1, e.seq - 1);
      if (!(await this.deliver(terminal, e))) break;
      s.delivered = e.seq;
      base = e.seq;
      acked.push(e.seq);
      prev = e.seq;
    }
    if (acked.length > 0) this.o.ack(terminal, { ranges: toRanges(acked) });
  }

  private async shared(terminal: string, s: TerminalState, b: EventBatchBody): Promise<void> {
    if (b.ackedThrough > s.floor) {
      s.floor = b.ackedThrough;
      s.handled.dropThrough(s.floor);
    }
    const acked: number[] = [];
    let prev = b.prev;
    for (const e of b.events) {
      if (e.seq <= s.floor || s.handled.has(e.seq)) {
        this.counters.duplicates++;
        acked.push(e.seq);
        prev = e.seq;
        continue;
      }
      if (e.seq > prev + 1) this.gap(terminal, prev + 1, e.seq - 1);
      prev = e.seq;
      if (!(await this.deliver(terminal, e))) continue; // not acked: the terminal resends it after its ack timeout
      s.handled.add(e.seq);
      acked.push(e.seq);
    }
    if (acked.length > 0) this.o.ack(terminal, { ranges: toRanges(acked) });
  }

  private async deliver(terminal: string, e: WireEvent): Promise<boolean> {
    const event = { ...e, terminal, known: isKnownEvent(e) } as FleetEvent;
    try {
      for (const h of this.o.handlers()) await h(event);
      this.counters.delivered++;
      return true;
    } catch (err) {
      this.counters.handlerErrors++;
      this.o.onError(err instanceof Error ? err : new Error(String(err)), event);
      return false;
    }
  }

  private gap(terminal: string, from: number, to: number): void {
    this.counters.gaps++;
    this.o.onGap({ terminal, from, to });
  }
}
