/**
 * The site's event stream for one fleet client: subscribes once the first handler
 * (per event or per batch) is added, and unsubscribes when the last goes; feeds
 * batches to the consumer, and publishes its acknowledgements.
 */
import type { MqttClient } from 'mqtt';
import { EventConsumer, type EventBatchHandler, type EventConsumerStats, type EventGap, type EventHandler } from './event-consumer.js';
import type { Listeners, Unsubscribe } from './listeners.js';
import type { FleetLogger } from './logger.js';
import { encode, filters, makeMessage, topics, type EventAckBody, type EventBatchBody } from './protocol/index.js';

export interface EventStreamOptions {
  client: MqttClient;
  site: string;
  shareGroup: string | undefined;
  log: FleetLogger;
  gaps: Listeners<EventGap>;
  errors: Listeners<Error>;
  /** The fleet's clock (`FleetOptions.now`), for the messages' `ts`. */
  now: () => number;
}

export class EventStream {
  private readonly handlers = new Set<EventHandler>();
  private readonly batchHandlers = new Set<EventBatchHandler>();
  private readonly consumer: EventConsumer;
  private ready: Promise<void> | null = null;
  /** True from the first handler until the last is removed. */
  subscribed = false;

  constructor(private readonly o: EventStreamOptions) {
    this.consumer = new EventConsumer({
      shared: o.shareGroup !== undefined,
      handlers: () => [...this.handlers],
      batchHandlers: () => [...this.batchHandlers],
      ack: (terminal, body) => this.ack(terminal, body),
      onGap: (gap) => o.gaps.emit(gap),
      onError: (err, events) => {
        // `seq` is the (first) event the handler failed on; `count` how many it was given.
        const where = { terminal: events[0]!.terminal, seq: events[0]!.seq, count: events.length };
        const e = Object.assign(err, where);
        if (o.errors.size > 0) o.errors.emit(e);
        else o.log.error({ err, ...where }, 'limen sdk: event handler failed; the events will be redelivered');
      },
      now: () => Date.now(),
    });
  }

  get counters(): EventConsumerStats {
    return this.consumer.counters;
  }

  /** Adds a handler; the first one subscribes. `closed` says whether the fleet is closing (no unsubscribe then). */
  add(handler: { each: EventHandler } | { batch: EventBatchHandler }, closed: () => boolean): Unsubscribe {
    const remove = 'each' in handler ? this.adder(this.handlers, handler.each) : this.adder(this.batchHandlers, handler.batch);
    if (!this.subscribed) {
      this.subscribed = true;
      this.ready = this.subscribe();
      this.ready.catch((err: unknown) => this.o.log.error({ err }, 'limen sdk: subscribing to events failed'));
    }
    return () => {
      remove();
      if (this.handlers.size + this.batchHandlers.size === 0 && this.subscribed && !closed()) {
        this.subscribed = false;
        this.ready = null;
        void this.o.client.unsubscribeAsync(filters.events(this.o.site, this.o.shareGroup)).catch(() => undefined);
      }
    };
  }

  private adder<H>(set: Set<H>, h: H): () => void {
    set.add(h);
    return () => void set.delete(h);
  }

  /** Resolves once the subscription `add` started is in place. */
  whenReady(): Promise<void> {
    if (!this.ready) return Promise.reject(new TypeError('whenConsuming: call onEvent or onEvents first'));
    return this.ready;
  }

  /** A validated batch from `terminal`. */
  accept(terminal: string, batch: EventBatchBody): void {
    void this.consumer.accept(terminal, batch);
  }

  idle(): Promise<void> {
    return this.consumer.idle();
  }

  clear(): void {
    this.handlers.clear();
    this.batchHandlers.clear();
  }

  async subscribe(): Promise<void> {
    const { client, site, shareGroup } = this.o;
    await client.subscribeAsync(filters.events(site, shareGroup), { qos: 1 });
    // A sole consumer asks terminals to resend at once what they sent while nobody listened.
    // Consumers sharing a stream do not: a resend could reach the other consumer as a duplicate.
    if (shareGroup === undefined) {
      await client.publishAsync(topics.resync(site), encode(makeMessage({ ts: this.o.now() }, {})), { qos: 1 });
    }
  }

  private ack(terminal: string, body: EventAckBody): void {
    const { client, site, log } = this.o;
    if (!client.connected) return; // the terminal resends; the duplicates are acknowledged then
    client.publish(topics.eventsAck(site, terminal), encode(makeMessage({ ts: this.o.now() }, body)), { qos: 1 }, (err) => {
      if (err) log.debug({ err, terminal }, 'limen sdk: ack not sent');
    });
  }
}
