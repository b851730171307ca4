/**
 * `fleet.alerts`: alerts for integrators on `limen/v1/{site}/_alerts/{severity}/{trigger}`.
 * A backend that raises alerts (the site server) publishes them; an integrator's backend
 * handles them. The subscription is taken on the first handler and dropped with the last.
 */
import type { MqttClient } from 'mqtt';
import { ClosedError, RejectedError } from './errors.js';
import { Listeners, type Unsubscribe } from './listeners.js';
import type { FleetLogger } from './logger.js';
import { alertBody, encode, filters, makeMessage, topics, describeIssues, type AlertBody } from './protocol/index.js';

export interface ReceivedAlert {
  alert: AlertBody;
  /** The publisher's clock when it sent the alert (ms since the epoch). */
  ts: number;
  /** The message id: the same on a QoS 1 redelivery, so handlers can de-duplicate on it. */
  messageId: string;
}

export interface AlertsContext {
  client: MqttClient;
  site: string;
  log: FleetLogger;
  closed: () => boolean;
  onThrow: (err: unknown) => void;
  /** The fleet's clock (`FleetOptions.now`). */
  now: () => number;
}

export class Alerts {
  private readonly listeners: Listeners<ReceivedAlert>;
  private subscription: Promise<void> | undefined;

  constructor(private readonly c: AlertsContext) {
    this.listeners = new Listeners(c.onThrow);
  }

  /**
   * Publishes one alert (QoS 1, not retained) and resolves once the broker has it. An
   * alert that does not match the schema rejects with RejectedError (code BAD_REQUEST), nothing sent.
   */
  async publish(alert: AlertBody): Promise<void> {
    if (this.c.closed()) throw new ClosedError();
    const r = alertBody.safeParse(alert);
    if (!r.success) throw new RejectedError('BAD_REQUEST', `alert: ${describeIssues(r.error)}`);
    const topic = topics.alert(this.c.site, r.data.severity, r.data.trigger);
    await this.c.client.publishAsync(topic, encode(makeMessage({ ts: this.c.now() }, alert)), { qos: 1, retain: false });
  }

  /** Handles every alert of the site published from now on (`whenSubscribed` says when that is). */
  on(handler: (received: ReceivedAlert) => void): Unsubscribe {
    if (typeof handler !== 'function') throw new TypeError('alerts.on: handler must be a function');
    if (this.c.closed()) throw new ClosedError();
    const off = this.listeners.add(handler);
    if (!this.subscription) this.subscription = this.subscribe();
    return () => {
      off();
      if (this.listeners.size > 0 || !this.subscription) return;
      this.subscription = undefined;
      if (this.c.client.connected) void this.c.client.unsubscribeAsync(filters.alerts(this.c.site)).catch(() => undefined);
    };
  }

  /** Resolves once the subscription `on` started is in place (rejects if the broker refused it). */
  whenSubscribed(): Promise<void> {
    return this.subscription ?? Promise.resolve();
  }

  get subscribed(): boolean {
    return this.subscription !== undefined;
  }

  /** After a reconnect with a clean session. */
  async resubscribe(): Promise<void> {
    if (this.subscription) await (this.subscription = this.subscribe());
  }

  /** From the inbound router: a decoded alert message. */
  deliver(received: ReceivedAlert): void {
    this.listeners.emit(received);
  }

  clear(): void {
    this.listeners.clear();
    this.subscription = undefined;
  }

  private async subscribe(): Promise<void> {
    const granted = await this.c.client.subscribeAsync(filters.alerts(this.c.site), { qos: 1 });
    if (granted.some((g) => g.qos === 128)) throw new RejectedError('REJECTED', `the broker refused the subscription ${filters.alerts(this.c.site)}`);
  }
}
