/**
 * The terminal's fleet agent: keeps the MQTT connection, announces presence
 * (retained, with a last will), publishes health on an interval, keeps config
 * desired/reported in step, answers commands, and drains the event outbox.
 * It works offline: `start()` returns at once and everything resumes on connect.
 */
import type { Clock, TimerHandle } from '../../hal/clock.js';
import { systemClock } from '../../hal/clock.js';
import { Listeners, type Unsubscribe } from '../../hal/events.js';
import {
  LIMITS,
  SUPPORTED_VERSIONS,
  assertId,
  configDesiredMessage,
  decode,
  eventAckMessage,
  encode,
  filters,
  isSupportedVersion,
  makeMessage,
  parseTopic,
  resyncMessage,
  topics,
  type ConfigReportedBody,
  type EventBatchBody,
  type PresenceBody,
  type TrustedKeys,
  type VersionRange,
  verifyMessage,
} from '@limen/sdk/protocol';
import { ReplayCache, type ReplayLedger } from './replay-cache.js';
import { child, type Logger } from '../log.js';
import { ConfigSync } from './config-sync.js';
import { Connection, type MqttConnectionOptions } from './connection.js';
import { DropLog } from './drop-log.js';
import { CommandDispatcher } from './dispatcher.js';
import type { CommandHandlers, ConfigHandler, EventSource, HealthProbe } from './interfaces.js';
import { Outbox, type OutboxStats } from './outbox.js';
import { composeHealth } from './health.js';
import { readSystemHealth } from './system-health.js';

export interface FleetAgentOptions {
  site: string;
  terminalId: string;
  mqtt: MqttConnectionOptions;
  /** What this terminal is: reported in presence and health. */
  identity: { firmware: string; board: string; groups?: string[] };
  /** The event log with its outbox cursor (`store.events`). */
  events: EventSource;
  handlers?: CommandHandlers;
  /** Fleet configuration; without it `config.set` answers NOT_SUPPORTED and desired config is ignored. */
  config?: ConfigHandler;
  /** Firmware readings (camera fps, model latency, live templates); the agent adds the rest (health.ts). */
  health?: HealthProbe;
  /** Filesystem reported in health (default '/'). */
  diskPath?: string;
  /** Health interval, ms (default 30 000). A health message also goes out on every connect. */
  healthIntervalMs?: number;
  outbox?: { window?: number; maxBatchEvents?: number; ackTimeoutMs?: number };
  /** Tolerated clock difference to backends when checking `expiresAt` (default 5000 ms). */
  clockSkewMs?: number;
  /** Commands executing at once before BUSY (default 8). */
  maxConcurrentCommands?: number;
  /**
   * Signed commands. When set, every command and every desired config must be
   * signed (Ed25519, `sig` = `{kid}.{signature}`) by one of these keys, and
   * command ids are checked against a replay cache. When absent (the default) the
   * agent runs in development mode and accepts unsigned messages: production
   * terminals are provisioned with `fleet-keys.json` (`limen provision`).
   */
  security?: {
    trustedKeys: TrustedKeys;
    maxReplayEntries?: number;
    /** Keeps accepted command ids across restarts (the terminal's store); without it they live in memory. */
    replayLedger?: ReplayLedger;
  };
  clock?: Clock;
  logger: Logger;
}

export interface AgentStats {
  connected: boolean;
  outbox: OutboxStats;
  commands: { ok: number; failed: number; duplicates: number };
  /** Inbound messages dropped, by `{kind}.{reason}`. */
  dropped: Record<string, number>;
  droppedTotal: number;
}

export class FleetAgent {
  readonly site: string;
  readonly terminalId: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly versions: VersionRange = SUPPORTED_VERSIONS;
  private readonly connection: Connection;
  private readonly outbox: Outbox;
  private readonly configSync: ConfigSync | null;
  private readonly dispatcher: CommandDispatcher;
  private readonly dropped = new Map<string, number>();
  private readonly dropLog: DropLog;
  private readonly connectionChanges = new Listeners<boolean>();
  /** The broker acknowledged this connection's online presence. */
  private announced = false;
  /** Connections made so far: tells a late acknowledgement from an earlier connection. */
  private connections = 0;
  private healthTimer: TimerHandle | null = null;
  private connectedSince = 0;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private trustedKeys: TrustedKeys | null;

  constructor(private readonly o: FleetAgentOptions) {
    assertId('site', o.site);
    assertId('terminal id', o.terminalId);
    for (const g of o.identity.groups ?? []) assertId('group', g);
    if (!o.events) throw new TypeError('FleetAgent: events (an EventSource) is required');
    this.site = o.site;
    this.terminalId = o.terminalId;
    this.clock = o.clock ?? systemClock;
    this.log = child(o.logger, 'fleet');
    this.dropLog = new DropLog({ clock: this.clock, logger: this.log });
    this.trustedKeys = o.security?.trustedKeys ?? null;
    const skew = o.clockSkewMs ?? 5000;

    this.outbox = new Outbox({
      source: o.events,
      publish: (batch) => this.publishBatch(batch),
      clock: this.clock,
      logger: this.log,
      ...o.outbox,
    });
    this.configSync = o.config
      ? new ConfigSync({ handler: o.config, publishReported: (b) => this.publishReported(b), logger: this.log })
      : null;
    this.dispatcher = new CommandDispatcher({
      site: o.site,
      terminalId: o.terminalId,
      firmware: o.identity.firmware,
      handlers: o.handlers ?? {},
      config: this.configSync,
      events: o.events,
      versions: this.versions,
      clock: this.clock,
      logger: this.log,
      clockSkewMs: skew,
      maxConcurrent: o.maxConcurrentCommands ?? 8,
      maxMessageBytes: LIMITS.maxMessageBytes,
      sendReply: (topic, payload) => {
        this.connection.publish(topic, payload, { qos: 1 }).catch((err: unknown) => this.log.debug({ err }, 'fleet: reply not sent'));
      },
      drop: (reason) => this.drop(reason),
      security: o.security
        ? {
            trustedKeys: () => this.trustedKeys!,
            replay: new ReplayCache({
              startedAt: this.clock.now(),
              clockSkewMs: skew,
              maxEntries: o.security.maxReplayEntries,
              ...(o.security.replayLedger && { ledger: o.security.replayLedger }),
            }),
          }
        : null,
    });
    this.connection = new Connection(o.mqtt, {
      clientId: `limen:${o.site}:${o.terminalId}`,
      will: () => ({ topic: topics.presence(o.site, o.terminalId), payload: this.presence('offline', 'lost') }),
      subscriptions: () => filters.terminalInbox(o.site, o.terminalId),
      clock: this.clock,
      logger: this.log,
      onConnect: () => this.onConnect(),
      onDisconnect: () => this.onDisconnect(),
      onMessage: (topic, payload) => this.onMessage(topic, payload),
    });
  }

  /** Starts connecting (in the background) and draining the outbox. */
  start(): void {
    if (this.state !== 'new') throw new TypeError(`FleetAgent.start: agent is ${this.state}`);
    this.state = 'running';
    void this.outbox.start().catch((err: unknown) => this.log.error({ err }, 'fleet: outbox failed to start'));
    this.connection.start();
    this.healthTimer = this.clock.setInterval(() => void this.publishHealth(), this.o.healthIntervalMs ?? 30_000);
  }

  /** Replaces the trusted fleet keys (key rotation); only in signed mode. */
  setTrustedKeys(keys: TrustedKeys): void {
    if (!this.trustedKeys) throw new TypeError('FleetAgent.setTrustedKeys: the agent was created without security (development mode)');
    this.trustedKeys = keys;
  }

  get connected(): boolean {
    return this.connection.connected;
  }

  /** Resolves when the agent is connected and the broker has its online presence (at once if so). */
  whenConnected(): Promise<void> {
    if (this.connected && this.announced) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.connectionChanges.add((up) => {
        if (up) {
          off();
          resolve();
        }
      });
    });
  }

  /** Called with true after each connect (once the broker acknowledged the presence) and false after each disconnect. */
  onConnectionChange(handler: (connected: boolean) => void): Unsubscribe {
    return this.connectionChanges.add(handler);
  }

  stats(): AgentStats {
    const dropped = Object.fromEntries(this.dropped);
    return {
      connected: this.connected,
      outbox: this.outbox.stats(),
      commands: { ...this.dispatcher.counters },
      dropped,
      droppedTotal: [...this.dropped.values()].reduce((a, b) => a + b, 0),
    };
  }

  /** Publishes an offline presence (when connected), then disconnects. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.healthTimer?.cancel();
    this.outbox.stop();
    await this.connection.stop({ topic: topics.presence(this.site, this.terminalId), payload: this.presence('offline', 'shutdown') });
    this.connectionChanges.clear();
  }

  private onConnect(): void {
    this.connectedSince = this.clock.now();
    const retained = { qos: 1 as const, retain: true };
    const connection = ++this.connections;
    // "Connected" is announced once the broker holds the online presence (its PUBACK), so a
    // backend told the terminal is up finds it online; a connection lost first says nothing.
    this.connection.publish(topics.presence(this.site, this.terminalId), this.presence('online'), retained).then(
      () => {
        if (connection !== this.connections || !this.connected) return;
        this.announced = true;
        this.connectionChanges.emit(true);
      },
      () => undefined,
    );
    if (this.configSync) void this.configSync.announce().catch((err: unknown) => this.log.error({ err }, 'fleet: reading config failed'));
    void this.publishHealth();
    this.outbox.setOnline(true);
    this.log.info({ site: this.site, terminal: this.terminalId }, 'fleet: connected');
  }

  private onDisconnect(): void {
    this.connectedSince = 0;
    this.announced = false;
    this.outbox.setOnline(false);
    // Going offline on purpose (stop) is not worth a warning.
    if (this.state === 'stopped') this.log.info('fleet: disconnected');
    else this.log.warn('fleet: disconnected');
    this.connectionChanges.emit(false);
  }

  private onMessage(topic: string, payload: Buffer): void {
    const t = parseTopic(topic);
    if (!t || t.site !== this.site || ('terminal' in t && t.terminal !== this.terminalId)) return this.drop('topic.unexpected', topic);
    switch (t.kind) {
      case 'command':
        void this.dispatcher.handle(t.name, payload);
        return;
      case 'eventsAck': {
        const m = decode(payload, eventAckMessage);
        if (!m.ok) return this.drop(`ack.${m.reason}`, topic);
        if (!isSupportedVersion(m.value.v, this.versions)) return this.drop('ack.unsupported_version', topic);
        this.outbox.onAck(m.value.body);
        return;
      }
      case 'resync': {
        const m = decode(payload, resyncMessage);
        if (!m.ok) return this.drop(`resync.${m.reason}`, topic);
        this.outbox.resync();
        return;
      }
      case 'configDesired': {
        if (payload.byteLength === 0) return; // a cleared retained desired state
        if (!this.configSync) return this.drop('config.unsupported', topic);
        const m = decode(payload, configDesiredMessage);
        if (!m.ok) return this.drop(`config.${m.reason}`, topic);
        if (!isSupportedVersion(m.value.v, this.versions)) return this.drop('config.unsupported_version', topic);
        if (this.trustedKeys) {
          const check = verifyMessage(topic, JSON.parse(payload.toString('utf8')) as Record<string, unknown>, this.trustedKeys);
          if (!check.ok) return this.drop(`config.${check.code.toLowerCase()}`, topic);
        }
        void this.configSync.desired(m.value.body.version, m.value.body.config);
        return;
      }
      default:
        return this.drop('topic.unexpected', topic);
    }
  }

  private drop(reason: string, topic?: string): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1);
    this.dropLog.note(reason, topic);
  }

  private presence(state: 'online' | 'offline', reason?: 'shutdown' | 'lost'): Buffer {
    const body: PresenceBody = {
      state,
      ...(reason ? { reason } : {}),
      firmware: this.o.identity.firmware,
      board: this.o.identity.board,
      protocol: { ...this.versions },
      groups: this.o.identity.groups ?? [],
      commands: this.dispatcher.supported(),
      maxMessageBytes: LIMITS.maxMessageBytes,
      since: state === 'online' ? this.connectedSince || this.clock.now() : this.clock.now(),
    };
    return encode(makeMessage({ ts: this.clock.now() }, body));
  }

  private publishBatch(batch: EventBatchBody): Promise<void> {
    return this.connection.publish(topics.events(this.site, this.terminalId), encode(makeMessage({ ts: this.clock.now() }, batch)), { qos: 1 });
  }

  private publishReported(body: ConfigReportedBody): void {
    const payload = encode(makeMessage({ ts: this.clock.now() }, body));
    this.connection.publish(topics.configReported(this.site, this.terminalId), payload, { qos: 1, retain: true }).catch(() => undefined);
  }

  private async publishHealth(): Promise<void> {
    if (!this.connected) return;
    try {
      const gallery = this.o.handlers?.gallery;
      const [system, probed, galleryStatus] = await Promise.all([
        readSystemHealth(this.o.diskPath),
        this.o.health?.() ?? {},
        gallery ? gallery.status() : null,
      ]);
      const body = composeHealth({
        identity: this.o.identity,
        system,
        probe: probed,
        gallery: galleryStatus,
        outbox: this.outbox.stats(),
        dropped: Object.fromEntries(this.dropped),
      });
      const payload = encode(makeMessage({ ts: this.clock.now() }, body));
      await this.connection.publish(topics.health(this.site, this.terminalId), payload, { qos: 0, retain: true });
    } catch (err) {
      this.log.debug({ err }, 'fleet: health not published');
    }
  }
}
