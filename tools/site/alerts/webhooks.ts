/**
 * Webhook delivery of alerts. Each alert of a rule naming webhook endpoints becomes one
 * delivery per endpoint, stored before it is sent (a restart resumes the queue). A POST
 * of the JSON body carries:
 *
 *   X-Limen-Event: alert
 *   X-Limen-Delivery: {delivery id}  (the same on every retry: receivers de-duplicate on it)
 *   X-Limen-Timestamp: {epoch ms of this attempt}
 *   X-Limen-Signature: sha256={hex HMAC-SHA256 over "{timestamp}.{body}", keyed with the endpoint's secret}
 *
 * Any 2xx answer is delivered. Anything else (another status, a refused connection, no
 * answer within `timeoutMs`) is retried with exponential back-off on the injected
 * clock (base, 2×base, 4×base, ... capped at `maxDelayMs`); after `maxAttempts` the
 * delivery is dead: it waits in the dead-letter list until an admin replays it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FleetLogger, Unsubscribe } from '@limen/sdk';
import {
  dueDeliveries,
  enqueueDelivery,
  getWebhookEndpoint,
  markDelivered,
  markFailed,
  nextDueAt,
  replayDelivery,
  type AlertRule,
  type SiteStore,
  type WebhookDeliveryRow,
} from '../store/index.js';
import type { AlertClock } from './clock.js';
import type { AlertView } from './view.js';

export const WEBHOOK_HEADERS = { event: 'x-limen-event', delivery: 'x-limen-delivery', timestamp: 'x-limen-timestamp', signature: 'x-limen-signature' } as const;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver checks: the signature, and a timestamp within `toleranceMs` of its clock (replays of old requests fail). */
export function verifyWebhook(secret: string, headers: { timestamp: string | undefined; signature: string | undefined }, body: string, now: number, toleranceMs = 5 * 60_000): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isSafeInteger(ts) || Math.abs(now - ts) > toleranceMs || !headers.signature) return false;
  const want = Buffer.from(signWebhook(secret, ts, body));
  const got = Buffer.from(headers.signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

export interface WebhookDelivery {
  /** Sends what is due now and re-arms the timer for the next. */
  kick(): void;
  /** Puts a dead delivery back in the queue and sends it. */
  replay(id: number): Promise<void>;
  /** Resolves once every attempt started so far has finished (tests wait on it). */
  idle(): Promise<void>;
  stop(): void;
}

export interface WebhookDeliveryOptions {
  store: SiteStore;
  /** Raised alerts (`AlertEngine.onAlert`). */
  source: { onAlert(listener: (alert: AlertView, rule: AlertRule) => void): Unsubscribe };
  clock: AlertClock;
  /** First retry delay (default 5 s). */
  baseDelayMs?: number;
  /** Longest retry delay (default 1 h). */
  maxDelayMs?: number;
  /** Attempts before a delivery is dead (default 10). */
  maxAttempts?: number;
  /** Per attempt, real time (default 10 s). */
  timeoutMs?: number;
  logger?: FleetLogger;
}

export function startWebhookDelivery(o: WebhookDeliveryOptions): WebhookDelivery {
  const { db } = o.store;
  const base = o.baseDelayMs ?? 5_000;
  const maxDelay = o.maxDelayMs ?? 3_600_000;
  const maxAttempts = o.maxAttempts ?? 10;
  const timeoutMs = o.timeoutMs ?? 10_000;
  let stopped = false;
  let timer: { cancel(): void } | undefined;
  let chain = Promise.resolve();
  const enqueue = (what: string, run: () => Promise<void>) => {
    chain = chain.then(run).catch((err: unknown) => o.logger?.error({ err }, `site: webhook ${what} failed`));
  };

  const attempt = async (d: WebhookDeliveryRow) => {
    const endpoint = await getWebhookEndpoint(db, d.endpoint_id);
    const ts = o.clock.now();
    let error: string | null = null;
    try {
      const res = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [WEBHOOK_HEADERS.event]: 'alert',
          [WEBHOOK_HEADERS.delivery]: String(d.id),
          [WEBHOOK_HEADERS.timestamp]: String(ts),
          [WEBHOOK_HEADERS.signature]: signWebhook(endpoint.secret, ts, d.body),
        },
        body: d.body,
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status > 299) error = `HTTP ${res.status}`;
    } catch (err) {
      error = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    }
    const now = o.clock.now();
    if (error === null) return markDelivered(db, d, now);
    const attempts = d.attempts + 1;
    const next = attempts >= maxAttempts ? null : now + Math.min(maxDelay, base * 2 ** (attempts - 1));
    if (next === null) o.logger?.warn({ delivery: d.id, endpoint: d.endpoint_id, error }, 'site: webhook delivery dead after its last attempt');
    await markFailed(db, d, error.slice(0, 500), next, now);
  };

  const run = async () => {
    if (stopped) return;
    for (;;) {
      const due = await dueDeliveries(db, o.clock.now());
      if (due.length === 0) break;
      for (const d of due) await attempt(d);
    }
    const next = await nextDueAt(db);
    timer?.cancel();
    timer = undefined;
    if (next !== null && !stopped) timer = o.clock.setTimeout(kick, Math.max(0, next - o.clock.now()));
  };
  const kick = () => enqueue('round', run);

  const off = o.source.onAlert((alert, rule) => {
    if (rule.actions.webhooks.length === 0) return;
    const body = JSON.stringify({ type: 'alert', alert });
    enqueue('enqueue', async () => {
      for (const endpoint of rule.actions.webhooks) {
        // An endpoint removed since the rule was saved: the others still get theirs.
        await enqueueDelivery(db, endpoint, alert.id, body, o.clock.now()).catch((err: unknown) => o.logger?.warn({ err, endpoint }, 'site: webhook delivery not queued'));
      }
    });
    kick();
  });
  // What a previous run left pending.
  kick();
  return {
    kick,
    async replay(id) {
      await replayDelivery(db, id, o.clock.now());
      kick();
    },
    async idle() {
      let seen: Promise<void> | undefined;
      while (seen !== chain) {
        seen = chain;
        await chain;
      }
    },
    stop() {
      stopped = true;
      off();
      timer?.cancel();
    },
  };
}
