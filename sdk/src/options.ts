/** What `Fleet.connect` takes, how it makes its own MQTT client from a URL, and waits for it to connect. */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { DisconnectedError } from './errors.js';
import type { FleetLogger } from './logger.js';
import type { Signer } from './protocol/index.js';

export interface FleetTlsOptions {
  ca?: string | string[] | Buffer | Buffer[];
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
}

export interface FleetOptions {
  /** Broker URL (`mqtt://`, `mqtts://`, `ws://`, `wss://`); or pass `client`. */
  url?: string;
  /** An mqtt.js client you own (connected or connecting). `close()` leaves it open. */
  client?: MqttClient;
  /** The site whose terminals this client manages. */
  site: string;
  /** This backend's id: its reply topic and MQTT client id. Unique per process (default: random). */
  clientId?: string;
  /** Connection settings when `url` is given. */
  mqtt?: {
    username?: string;
    password?: string;
    tls?: FleetTlsOptions;
    /** 4 = MQTT 3.1.1 (default), 5 = MQTT 5 (needed for `shareGroup` on most brokers). */
    protocolVersion?: 4 | 5;
    keepaliveS?: number;
    /** Delay between reconnect attempts (default 1000 ms). */
    reconnectPeriodMs?: number;
  };
  /** How long `connect` waits for the broker (default 10 000 ms). */
  connectTimeoutMs?: number;
  /**
   * Consume events through the shared subscription `$share/{shareGroup}/...`, so
   * that several backend processes split the stream. Without it, this process
   * receives every event.
   */
  shareGroup?: string;
  /** Default reply deadline for requests (default 10 000 ms). */
  requestTimeoutMs?: number;
  /**
   * The fleet signing key (`signerFromPem(readFileSync('backend/signing-key.pem'))`):
   * every request and desired config is then signed. Terminals provisioned with
   * trusted keys refuse unsigned requests with SIGNATURE_MISSING.
   */
  signer?: Signer;
  logger?: FleetLogger;
  /**
   * The clock (ms since the epoch) the fleet stamps what it sends with: each message's
   * `ts` (signed too) and each request's deadline `expiresAt`, which terminals check
   * against their own clock. Default `Date.now`; tests whose terminals run on a fake
   * clock pass that clock's `now`. Local timeouts stay on real time.
   */
  now?: () => number;
}

/** The mqtt.js client for `options.url`: clean session, no automatic resubscribe (the fleet resubscribes itself). */
export function connectClient(options: FleetOptions, clientId: string): MqttClient {
  const m = options.mqtt ?? {};
  return mqtt.connect(options.url!, {
    clientId: `limen-sdk:${options.site}:${clientId}`,
    clean: true,
    resubscribe: false,
    protocolVersion: m.protocolVersion ?? 4,
    keepalive: m.keepaliveS ?? 30,
    reconnectPeriod: m.reconnectPeriodMs ?? 1000,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    ...(m.username !== undefined ? { username: m.username } : {}),
    ...(m.password !== undefined ? { password: m.password } : {}),
    ...(m.tls ?? {}),
  } satisfies IClientOptions);
}

/** Resolves once `client` is connected; rejects with DisconnectedError after `timeoutMs`. */
export async function whenConnected(client: MqttClient, timeoutMs: number): Promise<void> {
  if (client.connected) return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('connect', ok);
      reject(new DisconnectedError());
    }, timeoutMs);
    const ok = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once('connect', ok);
  });
}
