/**
 * The terminal's MQTT connection: TLS options, a last will, and reconnects with
 * exponential backoff and jitter (mqtt.js' own reconnect has a fixed period).
 * Subscriptions are made again on every connect (clean sessions: the outbox, not
 * the broker, holds what must survive).
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Clock, TimerHandle } from '../../hal/clock.js';
import type { Logger } from '../log.js';
import { Backoff, type BackoffOptions } from './backoff.js';

export interface TlsOptions {
  /** CA certificate(s) that signed the broker's certificate (PEM). */
  ca?: string | string[] | Buffer | Buffer[];
  /** This terminal's certificate (PEM), for mutual TLS. */
  cert?: string | Buffer;
  /** This terminal's private key (PEM). */
  key?: string | Buffer;
  /** Default true; turn off only for a test broker. */
  rejectUnauthorized?: boolean;
  servername?: string;
}

export interface MqttConnectionOptions {
  /** `mqtt://host:1883`, `mqtts://host:8883`, `ws://...`. */
  url: string;
  username?: string;
  password?: string;
  tls?: TlsOptions;
  /** 4 = MQTT 3.1.1 (default, works with every broker), 5 = MQTT 5. */
  protocolVersion?: 4 | 5;
  /** Keepalive in seconds (default 30); the broker sends the last will after 1.5x this of silence. */
  keepaliveS?: number;
  connectTimeoutMs?: number;
  backoff?: BackoffOptions;
}

export interface Will {
  topic: string;
  payload: Buffer;
}

interface ConnectionDeps {
  clientId: string;
  will: () => Will;
  subscriptions: () => string[];
  clock: Clock;
  logger: Logger;
  onConnect: () => void;
  onDisconnect: () => void;
  onMessage: (topic: string, payload: Buffer) => void;
}

export class Connection {
  private client: MqttClient | null = null;
  private readonly backoff: Backoff;
  private reconnectTimer: TimerHandle | null = null;
  private stopping = false;
  private up = false;

  constructor(
    private readonly options: MqttConnectionOptions,
    private readonly deps: ConnectionDeps,
  ) {
    if (typeof options.url !== 'string' || !/^(mqtts?|wss?|tcp|ssl):\/\//.test(options.url)) {
      throw new TypeError(`mqtt url must start with mqtt://, mqtts://, ws:// or wss:// (got ${JSON.stringify(options.url)})`);
    }
    this.backoff = new Backoff(options.backoff);
  }

  get connected(): boolean {
    return this.up && this.client?.connected === true;
  }

  start(): void {
    if (this.client) return;
    const o = this.options;
    const will = this.deps.will();
    const opts: IClientOptions = {
      clientId: this.deps.clientId,
      clean: true,
      reconnectPeriod: 0,
      resubscribe: false,
      queueQoSZero: false,
      protocolVersion: o.protocolVersion ?? 4,
      keepalive: o.keepaliveS ?? 30,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      will: { topic: will.topic, payload: will.payload, qos: 1, retain: true },
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.tls ?? {}),
    };
    const client = mqtt.connect(o.url, opts);
    this.client = client;
    client.on('connect', () => {
      // mqtt.js writes a packet in pieces; without NODELAY, Nagle plus delayed ACKs add ~40 ms per message.
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      this.backoff.reset();
      this.up = true;
      void client
        .subscribeAsync(this.deps.subscriptions(), { qos: 1 })
        .then(() => {
          if (client.connected) this.deps.onConnect();
        })
        .catch((err: unknown) => {
          this.deps.logger.warn({ err }, 'fleet: subscribing failed; reconnecting');
          client.stream.destroy();
        });
    });
    client.on('message', (topic, payload) => this.deps.onMessage(topic, payload));
    client.on('error', (err) => this.deps.logger.debug({ err: err.message }, 'fleet: mqtt error'));
    client.on('close', () => {
      if (this.up) {
        this.up = false;
        this.deps.onDisconnect();
      }
      this.scheduleReconnect();
    });
  }

  publish(topic: string, payload: Buffer, opts: { qos: 0 | 1; retain?: boolean }): Promise<void> {
    const client = this.client;
    if (!client || !this.connected) return Promise.reject(new Error('not connected'));
    return new Promise((resolve, reject) => {
      client.publish(topic, payload, { qos: opts.qos, retain: opts.retain ?? false }, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Says goodbye (when `farewell` is given and the link is up) and closes; never hangs on a dead broker. */
  async stop(farewell?: { topic: string; payload: Buffer }, timeoutMs = 2000): Promise<void> {
    this.stopping = true;
    this.reconnectTimer?.cancel();
    this.reconnectTimer = null;
    const client = this.client;
    if (!client) return;
    if (farewell && this.connected) {
      await Promise.race([
        this.publish(farewell.topic, farewell.payload, { qos: 1, retain: true }).catch(() => undefined),
        new Promise((r) => setTimeout(r, timeoutMs).unref()),
      ]);
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => client.end(true, () => resolve()), timeoutMs);
      t.unref();
      client.end(!this.connected, () => {
        clearTimeout(t);
        resolve();
      });
    });
    this.up = false;
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.reconnectTimer || !this.client) return;
    const delay = this.backoff.next();
    this.deps.logger.debug({ delay }, 'fleet: reconnecting after backoff');
    this.reconnectTimer = this.deps.clock.setTimeout(() => {
      this.reconnectTimer = null;
      if (this.stopping || !this.client) return;
      // A fresh will each time: its `since` then tells when the terminal was last connected.
      const will = this.deps.will();
      this.client.options.will = { topic: will.topic, payload: will.payload, qos: 1, retain: true };
      this.client.reconnect();
    }, delay);
  }
}
