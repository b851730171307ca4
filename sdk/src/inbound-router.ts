/**
 * Routes what the broker delivers to a fleet client: presence, health and config into the
 * registry and its listeners, replies to the requests waiting for them, event batches to
 * the event stream, the barrier to the state subscription. Anything malformed is dropped
 * and counted by `{kind}.{reason}`.
 */
import type { Alerts } from './alerts.js';
import { OfflineError, RejectedError } from './errors.js';
import type { EventStream } from './event-stream.js';
import type { Listeners } from './listeners.js';
import type { FleetLogger } from './logger.js';
import type { PendingRequests } from './pending-requests.js';
import {
  alertMessage,
  configDesiredMessage,
  configReportedMessage,
  decode,
  envelope,
  eventBatchMessage,
  healthMessage,
  isSupportedVersion,
  parseTopic,
  presenceMessage,
  replyEnvelope,
  type ConfigReportedBody,
} from './protocol/index.js';
import type { HealthUpdate, PresenceUpdate, Registry } from './registry.js';
import type { StateSubscription } from './state-subscription.js';

export interface ConfigReportedUpdate {
  terminal: string;
  reported: ConfigReportedBody;
}

export interface InboundRouterOptions {
  site: string;
  clientId: string;
  log: FleetLogger;
  registry: Registry;
  pending: PendingRequests;
  events: EventStream;
  state: StateSubscription;
  presence: Listeners<PresenceUpdate>;
  health: Listeners<HealthUpdate>;
  reported: Listeners<ConfigReportedUpdate>;
  alerts: Alerts;
  /** This client's clock (ms since the epoch): terminals' clock offsets are measured against it. */
  now: () => number;
}

/** Retained state topics, with the prefix their drops are counted under. */
const STATE_DROP_PREFIX = { presence: 'presence', health: 'health', configReported: 'config', configDesired: 'desired' } as const;

export class InboundRouter {
  private readonly dropped = new Map<string, number>();

  constructor(private readonly o: InboundRouterOptions) {}

  /** Messages dropped so far, by `{kind}.{reason}`. */
  droppedCounts(): Record<string, number> {
    return Object.fromEntries(this.dropped);
  }

  route(topic: string, payload: Buffer, retained: boolean): void {
    const { site, clientId, registry, pending, events, state } = this.o;
    const t = parseTopic(topic);
    if (!t || t.site !== site) return; // not ours (a shared client may carry other traffic)
    const prefix = 'terminal' in t ? STATE_DROP_PREFIX[t.kind as keyof typeof STATE_DROP_PREFIX] : undefined;
    if (prefix !== undefined && 'terminal' in t && state.isStale(t.kind, t.terminal, retained)) return this.drop(`${prefix}.stale_retained`);
    try {
      switch (t.kind) {
        case 'presence':
          return this.onPresence(t.terminal, payload);
        case 'health': {
          const m = decode(payload, healthMessage);
          if (!m.ok) return this.drop(`health.${m.reason}`);
          registry.setHealth(t.terminal, m.value.ts, m.value.body, retained ? undefined : this.o.now());
          this.o.health.emit({ terminal: t.terminal, ts: m.value.ts, health: m.value.body });
          return;
        }
        case 'configReported': {
          if (payload.byteLength === 0) return registry.setReported(t.terminal, null);
          const m = decode(payload, configReportedMessage);
          if (!m.ok) return this.drop(`config.${m.reason}`);
          registry.setReported(t.terminal, m.value.body);
          this.o.reported.emit({ terminal: t.terminal, reported: m.value.body });
          return;
        }
        case 'configDesired': {
          if (payload.byteLength === 0) return registry.setDesired(t.terminal, null);
          const m = decode(payload, configDesiredMessage);
          if (!m.ok) return this.drop(`desired.${m.reason}`);
          registry.setDesired(t.terminal, m.value.body);
          return;
        }
        case 'reply': {
          if (t.clientId !== clientId) return;
          const m = decode(payload, replyEnvelope);
          if (!m.ok) return this.drop(`reply.${m.reason}`);
          const r = m.value;
          const waiting = pending.terminalOf(r.re);
          if (waiting === undefined) return this.drop('reply.unmatched');
          if (waiting !== t.terminal) return this.drop('reply.wrong_terminal');
          if (r.ok) pending.settle(r.re, { body: r.body });
          else pending.settle(r.re, new RejectedError(r.error.code, r.error.message, t.terminal, r.error.details));
          return;
        }
        case 'events': {
          if (!events.subscribed) return;
          const m = decode(payload, eventBatchMessage);
          if (!m.ok) return this.drop(`events.${m.reason}`);
          if (!isSupportedVersion(m.value.v)) return this.drop('events.unsupported_version');
          events.accept(t.terminal, m.value.body);
          return;
        }
        case 'alert': {
          if (!this.o.alerts.subscribed) return;
          const m = decode(payload, alertMessage);
          if (!m.ok) return this.drop(`alert.${m.reason}`);
          if (!isSupportedVersion(m.value.v)) return this.drop('alert.unsupported_version');
          // The topic is what integrators filter on: a body that says otherwise is not trusted.
          if (m.value.body.severity !== t.severity || m.value.body.trigger !== t.trigger) return this.drop('alert.topic_mismatch');
          this.o.alerts.deliver({ alert: m.value.body, ts: m.value.ts, messageId: m.value.id });
          return;
        }
        case 'barrier': {
          // Only the retained copy, sent on SUBSCRIBE after the site's state, counts (a client we
          // were given may resubscribe by itself and then get our barrier live, before that state).
          if (!retained) return;
          const m = decode(payload, envelope);
          if (m.ok) state.barrierArrived(m.value.id);
          return;
        }
        default:
          return;
      }
    } catch (err) {
      this.o.log.error({ err, topic }, 'limen sdk: handling a message failed');
    }
  }

  private drop(reason: string): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1);
  }

  /** An empty presence (cleared retained) or an offline one fails the terminal's waiting requests. */
  private onPresence(terminal: string, payload: Buffer): void {
    const { registry, pending } = this.o;
    if (payload.byteLength === 0) {
      registry.setPresence(terminal, null, null);
      pending.failAll((id) => new OfflineError(id), terminal);
      this.o.presence.emit({ terminal, online: false, presence: null });
      return;
    }
    const m = decode(payload, presenceMessage);
    if (!m.ok) return this.drop(`presence.${m.reason}`);
    registry.setPresence(terminal, m.value.ts, m.value.body);
    const online = m.value.body.state === 'online';
    if (!online) pending.failAll((id) => new OfflineError(id), terminal);
    this.o.presence.emit({ terminal, online, presence: m.value.body });
  }
}
