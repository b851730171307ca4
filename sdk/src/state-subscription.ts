/**
 * The site's state for one fleet client: presence, health and config of every terminal,
 * and this client's replies. `subscribe` resolves once the retained copies are in; a
 * retained copy older than a live message already seen is told apart as stale.
 */
import type { MqttClient } from 'mqtt';
import { encode, filters, makeMessage, newMessageId, topics } from './protocol/index.js';

export interface StateSubscriptionOptions {
  client: MqttClient;
  site: string;
  clientId: string;
  /** How long `subscribe` waits for the barrier. */
  timeoutMs: number;
  /** The fleet's clock (`FleetOptions.now`), for the barrier's `ts`. */
  now: () => number;
}

export class StateSubscription {
  private readonly barriers = new Map<string, () => void>();
  /** `{kind}/{terminal}` of state topics that got a live message since the last SUBSCRIBE. */
  private readonly liveSinceSubscribe = new Set<string>();

  constructor(private readonly o: StateSubscriptionOptions) {}

  /** Every filter `subscribe` subscribes to, the barrier topic last. */
  filters(): string[] {
    const { site, clientId } = this.o;
    return [
      filters.allTerminals(site, 'presence'),
      filters.allTerminals(site, 'health'),
      filters.allTerminals(site, 'config/reported'),
      filters.allTerminals(site, 'config/desired'),
      filters.replies(site, clientId),
      topics.barrier(site, clientId),
    ];
  }

  /**
   * Subscribes to the site's state and waits until its retained messages are in.
   *
   * The barrier is itself a retained message, published before the SUBSCRIBE whose last
   * filter is the barrier topic: brokers send the retained messages of one SUBSCRIBE filter
   * by filter, so ours comes after the site's. A barrier published live after SUBACK is not
   * enough: aedes streams retained messages after SUBACK, and a live message overtakes all
   * but the first few, so a terminal online for long was still unknown (hence "offline",
   * OfflineError) when a second `Fleet.connect` resolved.
   */
  async subscribe(): Promise<void> {
    const { client, site, clientId, timeoutMs } = this.o;
    const topic = topics.barrier(site, clientId);
    const id = newMessageId();
    const arrived = new Promise<void>((resolve) => this.barriers.set(id, resolve));
    let timer: NodeJS.Timeout | undefined;
    try {
      // MQTT 5 brokers drop the barrier by themselves should this process die before clearing it.
      const expiry = client.options.protocolVersion === 5 ? { properties: { messageExpiryInterval: 300 } } : {};
      await client.publishAsync(topic, encode(makeMessage({ id, ts: this.o.now() }, {})), { qos: 1, retain: true, ...expiry });
      this.liveSinceSubscribe.clear();
      await client.subscribeAsync(this.filters(), { qos: 1 });
      const came = await Promise.race([arrived.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
      // Clear our retained barrier only once it came back: a later one may have replaced it otherwise.
      if (came && client.connected) client.publish(topic, Buffer.alloc(0), { qos: 1, retain: true }, () => undefined);
    } finally {
      clearTimeout(timer);
      this.barriers.delete(id);
    }
  }

  /** The retained barrier `id` came back: the state before it is in. */
  barrierArrived(id: string): void {
    this.barriers.get(id)?.();
  }

  /**
   * Whether a message on a state topic is a stale retained copy. A retained copy is the
   * state when we subscribed; a live message on the same topic is newer. aedes may deliver
   * the copy after live messages (it streams retained state after SUBACK), and a terminal
   * that restarted meanwhile would stay "offline" here.
   */
  isStale(kind: string, terminal: string, retained: boolean): boolean {
    const key = `${kind}/${terminal}`;
    if (!retained) this.liveSinceSubscribe.add(key);
    return retained && this.liveSinceSubscribe.has(key);
  }

  /** Ends every wait for a barrier (the fleet is closing). */
  releaseAll(): void {
    for (const resolve of this.barriers.values()) resolve();
  }
}
