/**
 * Delivers the event log to the backend at least once, in seq order, until the
 * backend acknowledges.
 *
 * The store keeps the contiguous acknowledged cursor. Above it, the sender keeps a
 * window: at most `window` events after the cursor are in flight at once. Acks name
 * individual seqs (several backends on a shared subscription each ack the batches
 * they got); the sender folds them into the cursor as soon as they are contiguous,
 * skipping seqs the log no longer has. When no ack arrives for `ackTimeoutMs`, on
 * every (re)connect, and when a backend asks (`resendAfter`, resync), it goes back
 * to the cursor and resends what is not yet acknowledged.
 */
import type { Clock, TimerHandle } from '../../hal/clock.js';
import type { Unsubscribe } from '../../hal/events.js';
import { LIMITS, type EventAckBody, type EventBatchBody, type WireEvent } from '@limen/sdk/protocol';
import type { Logger } from '../log.js';
import type { EventSource, OutboxEvent } from './interfaces.js';
import { toWireEvent } from './wire-event.js';

export interface OutboxOptions {
  source: EventSource;
  /** Sends one batch; rejects or throws when it could not be handed to the broker. */
  publish: (batch: EventBatchBody) => Promise<void>;
  clock: Clock;
  logger: Logger;
  /** Events in flight above the cursor (default 1000). */
  window?: number;
  /** Events per batch (default 200, at most LIMITS.maxBatchEvents). */
  maxBatchEvents?: number;
  /** Serialised bytes per batch (default LIMITS.maxMessageBytes - 4096). */
  maxBatchBytes?: number;
  /** Resend from the cursor when nothing was acknowledged for this long (default 10 000). */
  ackTimeoutMs?: number;
  /** Ignore further go-back requests for this long after one (default 1000). */
  goBackHoldoffMs?: number;
}

export interface OutboxStats {
  ackedSeq: number;
  sentThrough: number;
  /** Events sent and not yet acknowledged. */
  inFlight: number;
  /** Latest seq known (from the source, or seen). */
  lastSeq: number;
  /** Events the log holds beyond the cursor (from `lastSeq`). */
  depth: number;
  batchesSent: number;
  resends: number;
  /** Events replaced by a `limen.undeliverable` marker because they did not fit the wire schema. */
  undeliverable: number;
}

const UNDELIVERABLE = 'limen.undeliverable';

export class Outbox {
  private readonly o: Required<Omit<OutboxOptions, 'source' | 'publish' | 'clock' | 'logger'>>;
  private cursor = 0;
  private sentThrough = 0;
  /** Seqs after the cursor, in order, as far as they were sent (or skipped as already acked). */
  private windowSeqs: number[] = [];
  private readonly ackedAbove = new Set<number>();
  private highestSent = 0;
  private lastSeq = 0;
  private online = false;
  private started = false;
  private pumping = false;
  private pumpAgain = false;
  private ackTimer: TimerHandle | null = null;
  private lastGoBack = -Infinity;
  /** Bumped by every go-back, so a fill in progress stops sending batches cut before it. */
  private epoch = 0;
  /** The last read returned a full window: events wait beyond it, so acks must trigger a refill. */
  private windowFull = false;
  /** When the cursor last moved (or sending started): the ack timer measures from here. */
  private lastProgress = 0;
  private unsubscribe: Unsubscribe | null = null;
  private readonly counters = { batchesSent: 0, resends: 0, undeliverable: 0 };

  constructor(private readonly opts: OutboxOptions) {
    const maxBatchEvents = Math.min(opts.maxBatchEvents ?? 200, LIMITS.maxBatchEvents);
    this.o = {
      window: opts.window ?? 1000,
      maxBatchEvents,
      maxBatchBytes: opts.maxBatchBytes ?? LIMITS.maxMessageBytes - 4096,
      ackTimeoutMs: opts.ackTimeoutMs ?? 10_000,
      goBackHoldoffMs: opts.goBackHoldoffMs ?? 1000,
    };
    if (!(this.o.window >= 1) || !(maxBatchEvents >= 1)) throw new TypeError('outbox: window and maxBatchEvents must be >= 1');
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.cursor = await this.opts.source.ackedSeq();
    this.sentThrough = this.cursor;
    this.lastSeq = Math.max(this.cursor, (await this.opts.source.latestSeq?.()) ?? 0);
    this.unsubscribe = this.opts.source.onAppend((e) => {
      if (e.seq > this.lastSeq) this.lastSeq = e.seq;
      this.pump();
    });
    this.pump();
  }

  stop(): void {
    this.started = false;
    this.online = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.cancelAckTimer();
  }

  /** Connection state. Coming online always resends from the cursor: batches in flight may be lost. */
  setOnline(online: boolean): void {
    this.online = online;
    if (online) this.goBack(true);
    else this.cancelAckTimer();
  }

  /** A backend acknowledged seqs (and may ask for a resend). */
  onAck(ack: EventAckBody): void {
    let progress = false;
    for (const [from, to] of ack.ranges) {
      const lo = Math.max(from, this.cursor + 1);
      const hi = Math.min(to, this.highestSent);
      if (hi - lo > this.o.window * 4) continue; // nothing this large was ever in flight
      for (let s = lo; s <= hi; s++) {
        if (!this.ackedAbove.has(s)) {
          this.ackedAbove.add(s);
          progress = true;
        }
      }
    }
    if (progress) {
      this.lastProgress = this.opts.clock.now();
      this.fold();
    }
    if (ack.resendAfter !== undefined && ack.resendAfter >= this.cursor) this.goBack(false);
  }

  /** A backend (re)started consuming: resend at once whatever is unacknowledged. */
  resync(): void {
    this.goBack(true);
  }

  stats(): OutboxStats {
    const inFlight = this.windowSeqs.filter((s) => !this.ackedAbove.has(s)).length;
    return {
      ackedSeq: this.cursor,
      sentThrough: this.sentThrough,
      inFlight,
      lastSeq: this.lastSeq,
      depth: Math.max(0, this.lastSeq - this.cursor),
      ...this.counters,
    };
  }

  private goBack(force: boolean): void {
    const now = this.opts.clock.now();
    if (!force && now - this.lastGoBack < this.o.goBackHoldoffMs) return;
    this.lastGoBack = now;
    this.lastProgress = now;
    this.epoch++;
    if (this.sentThrough > this.cursor) this.counters.resends++;
    this.sentThrough = this.cursor;
    this.windowSeqs = [];
    this.cancelAckTimer();
    this.pump();
  }

  private fold(): void {
    const before = this.cursor;
    while (this.windowSeqs.length > 0 && this.ackedAbove.has(this.windowSeqs[0]!)) {
      const s = this.windowSeqs.shift()!;
      this.ackedAbove.delete(s);
      this.cursor = s;
    }
    if (this.cursor === before) return;
    for (const s of this.ackedAbove) if (s <= this.cursor) this.ackedAbove.delete(s);
    // The next fill reads pending events from the source's cursor: send more only once it has moved.
    const through = this.cursor;
    const failed = (err: unknown) => this.opts.logger.error({ err, through }, 'outbox: storing the ack cursor failed');
    try {
      const stored = this.opts.source.ack(through);
      if (!this.windowFull) return; // nothing waits beyond the window; appends pump on their own
      if (stored instanceof Promise) stored.then(() => this.pump(), failed);
      else this.pump();
    } catch (err) {
      failed(err);
    }
  }

  /** Sends what fits in the window; re-runs itself when asked again while busy. */
  private pump(): void {
    if (!this.started || !this.online) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void this.fill()
      .catch((err: unknown) => {
        // What was cut into batches may not have gone out; the ack timer resends it.
        this.opts.logger.warn({ err }, 'outbox: sending failed; will resend from the cursor');
        this.armAckTimer();
      })
      .finally(() => {
        this.pumping = false;
        if (this.pumpAgain) {
          this.pumpAgain = false;
          this.pump();
        }
      });
  }

  private async fill(): Promise<void> {
    for (;;) {
      this.pumpAgain = false;
      const events = await this.opts.source.pendingAfterAck(this.o.window);
      if (!this.online) return;
      this.windowFull = events.length >= this.o.window;
      const epoch = this.epoch;
      const idle = !this.hasUnacked();
      const batches = this.nextBatches(events);
      // The ack timeout counts from the first send after everything was acknowledged.
      if (idle && batches.length > 0) this.lastProgress = this.opts.clock.now();
      if (batches.length === 0) {
        this.fold();
        if (!this.pumpAgain) return;
        continue;
      }
      for (const b of batches) {
        if (this.epoch !== epoch) break;
        const last = b.events[b.events.length - 1]!.seq;
        if (last > this.highestSent) this.highestSent = last;
        await this.opts.publish(b);
        this.counters.batchesSent++;
        if (!this.online) return;
      }
      this.fold();
      this.armAckTimer();
      // Read again only if events were appended (or acks opened a full window) meanwhile.
      if (!this.pumpAgain) return;
    }
  }

  /** Cuts the not-yet-sent part of `events` (the first `window` after the cursor) into batches. */
  private nextBatches(events: OutboxEvent[]): EventBatchBody[] {
    const batches: EventBatchBody[] = [];
    let prev = this.cursor;
    let current: EventBatchBody | null = null;
    let bytes = 0;
    for (const e of events) {
      if (e.seq > this.lastSeq) this.lastSeq = e.seq;
      if (e.seq <= this.sentThrough) {
        prev = e.seq;
        continue;
      }
      this.sentThrough = e.seq;
      this.windowSeqs.push(e.seq);
      if (this.ackedAbove.has(e.seq)) {
        current = null; // already handled by some backend: leave it out, and start a new batch after it
        prev = e.seq;
        continue;
      }
      const w = this.toWire(e);
      const size = JSON.stringify(w).length + 1;
      if (current && (current.events.length >= this.o.maxBatchEvents || bytes + size > this.o.maxBatchBytes)) current = null;
      if (!current) {
        current = { prev, ackedThrough: this.cursor, events: [] };
        batches.push(current);
        bytes = 0;
      }
      current.events.push(w);
      bytes += size;
      prev = e.seq;
    }
    return batches;
  }

  /** The wire form of a stored event, or a marker in its place when it does not fit the schema. */
  private toWire(e: OutboxEvent): WireEvent {
    const w = toWireEvent(e);
    if (w) return w;
    this.counters.undeliverable++;
    this.opts.logger.warn({ seq: e.seq, type: String(e.type).slice(0, 64) }, 'outbox: event does not fit the wire schema; sending a marker');
    const ts = Number.isSafeInteger(e.ts) && e.ts >= 0 ? e.ts : this.opts.clock.now();
    return { seq: e.seq, ts, type: UNDELIVERABLE, data: { type: String(e.type).slice(0, 64) } };
  }

  /**
   * While events are unacknowledged, a timer resends from the cursor if the cursor
   * has not moved for `ackTimeoutMs`. One timer serves many acks: when it fires
   * after progress, it re-arms for the remainder.
   */
  private armAckTimer(): void {
    if (this.ackTimer || !this.online) return;
    if (!this.hasUnacked()) return;
    const due = this.lastProgress + this.o.ackTimeoutMs - this.opts.clock.now();
    this.ackTimer = this.opts.clock.setTimeout(() => {
      this.ackTimer = null;
      const idle = this.opts.clock.now() - this.lastProgress;
      if (idle < this.o.ackTimeoutMs) return this.armAckTimer();
      if (!this.hasUnacked()) return;
      this.opts.logger.debug({ cursor: this.cursor, sentThrough: this.sentThrough }, 'outbox: ack timeout, resending');
      this.goBack(true);
    }, Math.max(0, due));
  }

  private hasUnacked(): boolean {
    return this.windowSeqs.some((s) => !this.ackedAbove.has(s));
  }

  private cancelAckTimer(): void {
    this.ackTimer?.cancel();
    this.ackTimer = null;
  }
}
