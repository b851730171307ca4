/**
 * The fleet client for backends. `Fleet.connect` takes a broker URL or an existing
 * mqtt.js client; the fleet then tracks every terminal of one site (presence,
 * health, config), sends typed requests, and, once `onEvent` or `onEvents` is called, consumes
 * and acknowledges the terminals' event streams.
 */
import { randomBytes } from 'node:crypto';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { ClosedError, DisconnectedError, OfflineError, ProtocolError, RejectedError, TimeoutError } from './errors.js';
import type { EventBatchHandler, EventConsumerStats, EventGap, EventHandler, FleetEvent } from './event-consumer.js';
import { EventStream } from './event-stream.js';
import { galleryFacade, personsFacade, type Target } from './facades.js';
import { Listeners, type Unsubscribe } from './listeners.js';
import { silentFleetLogger, type FleetLogger } from './logger.js';
import { connectClient, type FleetOptions } from './options.js';
import { PendingRequests } from './pending-requests.js';
import {
  LIMITS,
  SUPPORTED_VERSIONS,
  assertId,
  commandSchemasByName,
  configDesiredMessage,
  configReportedMessage,
  decode,
  describeIssues,
  encode,
  envelope,
  eventBatchMessage,
  filters,
  healthMessage,
  isSupportedVersion,
  makeMessage,
  makeRequest,
  negotiateVersion,
  newMessageId,
  parseTopic,
  presenceMessage,
  replyEnvelope,
  topics,
  type CommandName,
  type CommandRequest,
  type CommandResult,
  type ConfigReportedBody,
  type Signer,
  signMessage,
} from './protocol/index.js';
import { Registry, type HealthUpdate, type PresenceUpdate, type TerminalInfo } from './registry.js';
import { Group, Terminal, type DesireOptions, type DesireResult, type FleetLink, type RequestOptions } from './terminal.js';

export type { FleetOptions, FleetTlsOptions } from './options.js';
export type { Target } from './facades.js';

export interface FleetStats {
  /** Inbound messages dropped, by `{kind}.{reason}`. */
  dropped: Record<string, number>;
  events: EventConsumerStats;
  pendingRequests: number;
}

/** Retained state topics, with the prefix their drops are counted under. */
const STATE_DROP_PREFIX = { presence: 'presence', health: 'health', configReported: 'config', configDesired: 'desired' } as const;

export class Fleet {
  readonly site: string;
  readonly clientId: string;
  readonly shareGroup: string | undefined;
  private readonly client: MqttClient;
  private readonly ownsClient: boolean;
  private readonly log: FleetLogger;
  private readonly timeoutMs: number;
  private readonly signer: Signer | undefined;
  private readonly registry = new Registry();
  private readonly pending = new PendingRequests();
  private readonly barriers = new Map<string, () => void>();
  private readonly dropped = new Map<string, number>();
  /** `{kind}/{terminal}` of state topics that got a live message since the last SUBSCRIBE. */
  private readonly liveSinceSubscribe = new Set<string>();
  private readonly presenceListeners: Listeners<PresenceUpdate>;
  private readonly healthListeners: Listeners<HealthUpdate>;
  private readonly gapListeners: Listeners<EventGap>;
  private readonly errorListeners: Listeners<Error>;
  private readonly reportedListeners: Listeners<{ terminal: string; reported: ConfigReportedBody }>;
  private readonly events: EventStream;
  private readonly link: FleetLink;
  private closed = false;
  private readonly onMessageBound = (topic: string, payload: Buffer, packet: IPublishPacket) => this.onMessage(topic, payload, packet.retain);
  private readonly onConnectBound = () => {
    this.noDelay();
    void this.resubscribe();
  };
  private readonly onCloseBound = () => this.pending.failAll((t) => new DisconnectedError(t));

  /** Connects, subscribes, and resolves once the retained state of the site has arrived. */
  static async connect(options: FleetOptions): Promise<Fleet> {
    if (!options || typeof options !== 'object') throw new TypeError('Fleet.connect: options required');
    assertId('site', options.site);
    const clientId = options.clientId ?? `sdk-${randomBytes(6).toString('hex')}`;
    assertId('clientId', clientId);
    if (options.shareGroup !== undefined) assertId('shareGroup', options.shareGroup);
    if ((options.url === undefined) === (options.client === undefined)) throw new TypeError('Fleet.connect: give exactly one of url or client');
    const client = options.client ?? connectClient(options, clientId);
    const fleet = new Fleet(options, clientId, client, options.client === undefined);
    try {
      await fleet.start(options.connectTimeoutMs ?? 10_000);
    } catch (err) {
      await fleet.close();
      throw err;
    }
    return fleet;
  }

  private constructor(options: FleetOptions, clientId: string, client: MqttClient, ownsClient: boolean) {
    this.site = options.site;
    this.clientId = clientId;
    this.shareGroup = options.shareGroup;
    this.client = client;
    this.ownsClient = ownsClient;
    this.log = options.logger ?? silentFleetLogger;
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.signer = options.signer;
    const onThrow = (err: unknown) => this.log.error({ err }, 'limen sdk: a listener threw');
    this.presenceListeners = new Listeners(onThrow);
    this.healthListeners = new Listeners(onThrow);
    this.gapListeners = new Listeners(onThrow);
    this.reportedListeners = new Listeners(onThrow);
    this.errorListeners = new Listeners(onThrow);
    this.events = new EventStream({ client, site: this.site, shareGroup: this.shareGroup, log: this.log, gaps: this.gapListeners, errors: this.errorListeners });
    this.link = {
      request: (terminal, name, body, opts) => this.request(terminal, name, body, opts),
      info: (id) => this.registry.snapshot(id),
      members: (group) => this.registry.members(group),
      desire: (terminal, config, opts) => this.desire(terminal, config, opts),
    };
  }

  /** mqtt.js writes a packet in pieces; without NODELAY, Nagle plus delayed ACKs add ~40 ms per request. */
  private noDelay(): void {
    (this.client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
  }

  private async start(timeoutMs: number): Promise<void> {
    this.client.on('message', this.onMessageBound);
    if (!this.client.connected) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.client.off('connect', ok);
          reject(new DisconnectedError());
        }, timeoutMs);
        const ok = () => {
          clearTimeout(timer);
          resolve();
        };
        this.client.once('connect', ok);
      });
    }
    this.noDelay();
    this.client.on('connect', this.onConnectBound);
    this.client.on('close', this.onCloseBound);
    await this.subscribeState();
  }

  private stateFilters(): string[] {
    return [
      filters.allTerminals(this.site, 'presence'),
      filters.allTerminals(this.site, 'health'),
      filters.allTerminals(this.site, 'config/reported'),
      filters.allTerminals(this.site, 'config/desired'),
      filters.replies(this.site, this.clientId),
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
  private async subscribeState(): Promise<void> {
    const topic = topics.barrier(this.site, this.clientId);
    const id = newMessageId();
    const arrived = new Promise<void>((resolve) => this.barriers.set(id, resolve));
    let timer: NodeJS.Timeout | undefined;
    try {
      // MQTT 5 brokers drop the barrier by themselves should this process die before clearing it.
      const expiry = this.client.options.protocolVersion === 5 ? { properties: { messageExpiryInterval: 300 } } : {};
      await this.client.publishAsync(topic, encode(makeMessage({ id, ts: Date.now() }, {})), { qos: 1, retain: true, ...expiry });
      this.liveSinceSubscribe.clear();
      await this.client.subscribeAsync([...this.stateFilters(), topic], { qos: 1 });
      const came = await Promise.race([arrived.then(() => true), new Promise<false>((r) => (timer = setTimeout(() => r(false), this.timeoutMs)))]);
      // Clear our retained barrier only once it came back: a later one may have replaced it otherwise.
      if (came && this.client.connected) this.client.publish(topic, Buffer.alloc(0), { qos: 1, retain: true }, () => undefined);
    } finally {
      clearTimeout(timer);
      this.barriers.delete(id);
    }
  }

  /** After a reconnect (clean session): subscribe again, and have terminals resend what is unacknowledged. */
  private async resubscribe(): Promise<void> {
    if (this.closed) return;
    try {
      await this.subscribeState();
      if (this.events.subscribed) await this.events.subscribe();
    } catch (err) {
      this.log.warn({ err }, 'limen sdk: resubscribing failed');
    }
  }

  // ------------------------------------------------------------ terminals

  /** Every terminal seen on the site, with presence, health and config. */
  terminals(): TerminalInfo[] {
    return this.registry.all();
  }

  terminal(id: string): Terminal {
    assertId('terminal id', id);
    return new Terminal(id, this.link);
  }

  /** A group name (terminals whose presence lists it) or a list of terminal ids. */
  group(selector: string | readonly string[]): Group {
    if (typeof selector === 'string') assertId('group', selector);
    else for (const id of selector) assertId('terminal id', id);
    return new Group(selector, (id) => this.terminal(id), this.link);
  }

  readonly persons = personsFacade(this);

  readonly gallery = galleryFacade(this);

  // ------------------------------------------------------------ streams

  /**
   * Handles every event of the site (or this process's share of it with
   * `shareGroup`). Each event is acknowledged after all handlers resolve; a
   * handler that throws leaves it unacknowledged, and the terminal delivers it
   * again. Duplicates are not handed to handlers.
   */
  onEvent(handler: EventHandler): Unsubscribe {
    if (typeof handler !== 'function') throw new TypeError('onEvent: handler must be a function');
    if (this.closed) throw new ClosedError();
    return this.events.add({ each: handler }, () => this.closed);
  }

  /**
   * Like `onEvent`, but each call gets every new event received for one terminal
   * so far (at least one), in seq order: with many events waiting, a backend can
   * store them in one transaction. They are acknowledged after the handler
   * resolves; if it throws, none of them is, and the terminal delivers them again.
   * Calls for one terminal never overlap; different terminals run concurrently.
   * Batch handlers get a terminal's events before `onEvent` handlers do.
   */
  onEvents(handler: EventBatchHandler): Unsubscribe {
    if (typeof handler !== 'function') throw new TypeError('onEvents: handler must be a function');
    if (this.closed) throw new ClosedError();
    return this.events.add({ batch: handler }, () => this.closed);
  }

  /** Events a terminal no longer had (its log was capped before they were acknowledged). */
  onGap(handler: (gap: EventGap) => void): Unsubscribe {
    return this.gapListeners.add(handler);
  }

  /** Presence messages (online/offline), including the retained ones at connect. */
  onPresence(handler: (update: PresenceUpdate) => void): Unsubscribe {
    return this.presenceListeners.add(handler);
  }

  onHealth(handler: (update: HealthUpdate) => void): Unsubscribe {
    return this.healthListeners.add(handler);
  }

  /**
   * Event handler failures, with `terminal`, `seq` (the event, or a batch's first) and
   * `count` (events the handler was given); without a listener they are logged.
   */
  onError(handler: (err: Error) => void): Unsubscribe {
    return this.errorListeners.add(handler);
  }

  /** Resolves once the event subscription that `onEvent` or `onEvents` started is in place (rejects if it failed). */
  whenConsuming(): Promise<void> {
    return this.events.whenReady();
  }

  /** Resolves once every event received so far has been handled and acknowledged. */
  idle(): Promise<void> {
    return this.events.idle();
  }

  stats(): FleetStats {
    return { dropped: Object.fromEntries(this.dropped), events: { ...this.events.counters }, pendingRequests: this.pending.size };
  }

  // ------------------------------------------------------------ requests

  /**
   * Sends one command and resolves with the terminal's reply body. Fails fast with
   * OfflineError when the terminal is not online, DisconnectedError when this client
   * is not connected, RejectedError when the terminal (or a local check) refuses,
   * TimeoutError when no reply comes in time.
   */
  async request<N extends CommandName>(
    terminal: string,
    name: N,
    body: CommandRequest<N>,
    opts: RequestOptions & { validated?: boolean } = {},
  ): Promise<CommandResult<N>> {
    if (this.closed) throw new ClosedError();
    assertId('terminal id', terminal);
    const schema = commandSchemasByName[name];
    if (!schema) throw new TypeError(`unknown command ${JSON.stringify(name)}`);
    let checked: unknown = body;
    if (!opts.validated) {
      const r = schema.request.safeParse(body);
      if (!r.success) throw new TypeError(`${name}: ${describeIssues(r.error)}`);
      checked = r.data;
    }
    if (!this.client.connected) throw new DisconnectedError(terminal);
    const info = this.registry.get(terminal);
    if (!info?.online || !info.presence) throw new OfflineError(terminal);
    const v = negotiateVersion(SUPPORTED_VERSIONS, info.presence.protocol);
    if (v === null) {
      throw new RejectedError('UNSUPPORTED_VERSION', `terminal speaks protocol ${info.presence.protocol.min}..${info.presence.protocol.max}, this SDK ${SUPPORTED_VERSIONS.min}..${SUPPORTED_VERSIONS.max}`, terminal);
    }
    if (!info.presence.commands.includes(name)) throw new RejectedError('NOT_SUPPORTED', `terminal ${terminal} does not implement ${name}`, terminal);

    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    if (!(timeoutMs > 0)) throw new TypeError('timeoutMs must be > 0');
    const now = Date.now();
    const req = this.signed(
      topics.command(this.site, terminal, name),
      makeRequest({ ts: now, v, replyTo: topics.reply(this.site, terminal, this.clientId), expiresAt: now + timeoutMs }, checked),
    );
    const payload = encode(req);
    const limit = Math.min(LIMITS.maxMessageBytes, info.presence.maxMessageBytes);
    if (payload.byteLength > limit) throw new RejectedError('PAYLOAD_TOO_LARGE', `${name} request is ${payload.byteLength} bytes, the limit is ${limit}`, terminal);

    const reply = this.pending.wait(req.id, terminal, timeoutMs, () => new TimeoutError(terminal, name, timeoutMs));
    this.client.publish(topics.command(this.site, terminal, name), payload, { qos: 1 }, (err) => {
      if (err) this.pending.settle(req.id, new DisconnectedError(terminal));
    });
    const result = await reply;
    const parsed = schema.result.safeParse(result);
    if (!parsed.success) throw new ProtocolError(`${name} reply from ${terminal}: ${describeIssues(parsed.error)}`, terminal);
    return parsed.data;
  }

  private signed<M extends Record<string, unknown>>(topic: string, message: M): M {
    return this.signer ? signMessage(topic, message, this.signer) : message;
  }

  private async desire(terminal: string, config: Record<string, unknown>, opts: DesireOptions): Promise<DesireResult> {
    if (this.closed) throw new ClosedError();
    if (!this.client.connected) throw new DisconnectedError(terminal);
    const known = this.registry.get(terminal)?.config;
    const version = opts.version ?? Math.max(known?.desired?.version ?? 0, known?.reported?.version ?? 0) + 1;
    const body = configDesiredMessage.shape.body.safeParse({ version, config });
    if (!body.success) throw new TypeError(`config.desire: ${describeIssues(body.error)}`);
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    // Listen before publishing: the report can come back before publishAsync resolves.
    let off: Unsubscribe = () => undefined;
    let timer: NodeJS.Timeout | undefined;
    const outcome =
      opts.wait === false
        ? null
        : new Promise<ConfigReportedBody>((resolve, reject) => {
            const check = (r: ConfigReportedBody | null | undefined) => {
              if (!r) return;
              if (r.status === 'rejected' && r.rejected?.version === version) reject(new RejectedError(r.rejected.code, r.rejected.message, terminal));
              else if (r.version >= version) resolve(r);
            };
            off = this.reportedListeners.add((u) => u.terminal === terminal && check(u.reported));
            timer = setTimeout(() => reject(new TimeoutError(terminal, 'config.desire', timeoutMs)), timeoutMs);
          });
    try {
      const topic = topics.configDesired(this.site, terminal);
      const payload = encode(this.signed(topic, makeMessage({ ts: Date.now() }, body.data)));
      await this.client.publishAsync(topic, payload, { qos: 1, retain: true });
      this.registry.setDesired(terminal, body.data);
      return { version, reported: outcome ? await outcome : null };
    } finally {
      off();
      clearTimeout(timer);
    }
  }

  // ------------------------------------------------------------ inbound

  private drop(reason: string): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1);
  }

  private onMessage(topic: string, payload: Buffer, retained: boolean): void {
    if (this.closed) return;
    const t = parseTopic(topic);
    if (!t || t.site !== this.site) return; // not ours (a shared client may carry other traffic)
    const state = 'terminal' in t ? STATE_DROP_PREFIX[t.kind as keyof typeof STATE_DROP_PREFIX] : undefined;
    if (state !== undefined && 'terminal' in t) {
      // A retained copy is the state when we subscribed; a live message on the same topic is
      // newer. aedes may deliver the copy after live messages (it streams retained state
      // after SUBACK), and a terminal that restarted meanwhile would stay "offline" here.
      const key = `${t.kind}/${t.terminal}`;
      if (!retained) this.liveSinceSubscribe.add(key);
      else if (this.liveSinceSubscribe.has(key)) return this.drop(`${state}.stale_retained`);
    }
    try {
      switch (t.kind) {
        case 'presence':
          return this.onPresenceMessage(t.terminal, payload);
        case 'health': {
          const m = decode(payload, healthMessage);
          if (!m.ok) return this.drop(`health.${m.reason}`);
          this.registry.setHealth(t.terminal, m.value.ts, m.value.body);
          this.healthListeners.emit({ terminal: t.terminal, ts: m.value.ts, health: m.value.body });
          return;
        }
        case 'configReported': {
          if (payload.byteLength === 0) return this.registry.setReported(t.terminal, null);
          const m = decode(payload, configReportedMessage);
          if (!m.ok) return this.drop(`config.${m.reason}`);
          this.registry.setReported(t.terminal, m.value.body);
          this.reportedListeners.emit({ terminal: t.terminal, reported: m.value.body });
          return;
        }
        case 'configDesired': {
          if (payload.byteLength === 0) return this.registry.setDesired(t.terminal, null);
          const m = decode(payload, configDesiredMessage);
          if (!m.ok) return this.drop(`desired.${m.reason}`);
          this.registry.setDesired(t.terminal, m.value.body);
          return;
        }
        case 'reply': {
          if (t.clientId !== this.clientId) return;
          const m = decode(payload, replyEnvelope);
          if (!m.ok) return this.drop(`reply.${m.reason}`);
          const r = m.value;
          const waiting = this.pending.terminalOf(r.re);
          if (waiting === undefined) return this.drop('reply.unmatched');
          if (waiting !== t.terminal) return this.drop('reply.wrong_terminal');
          if (r.ok) this.pending.settle(r.re, { body: r.body });
          else this.pending.settle(r.re, new RejectedError(r.error.code, r.error.message, t.terminal, r.error.details));
          return;
        }
        case 'events': {
          if (!this.events.subscribed) return;
          const m = decode(payload, eventBatchMessage);
          if (!m.ok) return this.drop(`events.${m.reason}`);
          if (!isSupportedVersion(m.value.v)) return this.drop('events.unsupported_version');
          this.events.accept(t.terminal, m.value.body);
          return;
        }
        case 'barrier': {
          // Only the retained copy, sent on SUBSCRIBE after the site's state, counts (a client we
          // were given may resubscribe by itself and then get our barrier live, before that state).
          if (!retained) return;
          const m = decode(payload, envelope);
          if (m.ok) this.barriers.get(m.value.id)?.();
          return;
        }
        default:
          return;
      }
    } catch (err) {
      this.log.error({ err, topic }, 'limen sdk: handling a message failed');
    }
  }

  private onPresenceMessage(terminal: string, payload: Buffer): void {
    if (payload.byteLength === 0) {
      this.registry.setPresence(terminal, null, null);
      this.pending.failAll((id) => new OfflineError(id), terminal);
      this.presenceListeners.emit({ terminal, online: false, presence: null });
      return;
    }
    const m = decode(payload, presenceMessage);
    if (!m.ok) return this.drop(`presence.${m.reason}`);
    this.registry.setPresence(terminal, m.value.ts, m.value.body);
    const online = m.value.body.state === 'online';
    if (!online) this.pending.failAll((id) => new OfflineError(id), terminal);
    this.presenceListeners.emit({ terminal, online, presence: m.value.body });
  }

  // ------------------------------------------------------------ lifecycle

  /**
   * Stops consuming, fails pending requests with ClosedError and disconnects (a
   * client passed in is unsubscribed and left open). Events being handled finish
   * first, so their acknowledgements go out.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pending.failAll(() => new ClosedError());
    this.client.off('message', this.onMessageBound);
    this.client.off('connect', this.onConnectBound);
    this.client.off('close', this.onCloseBound);
    for (const resolve of this.barriers.values()) resolve();
    if (this.client.connected) await this.events.idle();
    if (this.ownsClient) {
      await new Promise<void>((resolve) => this.client.end(!this.client.connected, () => resolve()));
    } else if (this.client.connected) {
      const subs = [
        ...this.stateFilters(),
        topics.barrier(this.site, this.clientId),
        ...(this.events.subscribed ? [filters.events(this.site, this.shareGroup)] : []),
      ];
      await this.client.unsubscribeAsync(subs).catch(() => undefined);
    }
    this.events.clear();
  }
}

export type { FleetEvent };
