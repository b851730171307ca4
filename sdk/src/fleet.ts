/**
 * The fleet client for backends. `Fleet.connect` takes a broker URL or an existing
 * mqtt.js client; the fleet then tracks every terminal of one site (presence,
 * health, config), sends typed requests, and, once `onEvent` or `onEvents` is called, consumes
 * and acknowledges the terminals' event streams.
 *
 * This file is the public facade and the lifecycle; the work is done by the state
 * subscription, the inbound router, command requests, config desire and the event stream.
 */
import { randomBytes } from 'node:crypto';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { Alerts } from './alerts.js';
import { sendCommand, type CommandRequestContext } from './command-request.js';
import { desireConfig, type ConfigDesireContext } from './config-desire.js';
import { ClosedError, DisconnectedError } from './errors.js';
import type { EventBatchHandler, EventConsumerStats, EventGap, EventHandler, FleetEvent } from './event-consumer.js';
import { EventStream } from './event-stream.js';
import { galleryFacade, personsFacade } from './facades.js';
import { InboundRouter, type ConfigReportedUpdate } from './inbound-router.js';
import { Listeners, type Unsubscribe } from './listeners.js';
import { silentFleetLogger, type FleetLogger } from './logger.js';
import { connectClient, whenConnected, type FleetOptions } from './options.js';
import { PendingRequests } from './pending-requests.js';
import { assertId, filters, type CommandName, type CommandRequest, type CommandResult } from './protocol/index.js';
import { Registry, type HealthUpdate, type PresenceUpdate, type TerminalInfo } from './registry.js';
import { signWith } from './signing.js';
import { StateSubscription } from './state-subscription.js';
import { Group, Terminal, type FleetLink, type RequestOptions } from './terminal.js';

export type { FleetOptions, FleetTlsOptions } from './options.js';
export type { Target } from './facades.js';

export interface FleetStats {
  /** Inbound messages dropped, by `{kind}.{reason}`. */
  dropped: Record<string, number>;
  events: EventConsumerStats;
  pendingRequests: number;
}

export class Fleet {
  readonly site: string;
  readonly clientId: string;
  readonly shareGroup: string | undefined;
  private readonly client: MqttClient;
  private readonly ownsClient: boolean;
  private readonly log: FleetLogger;
  private readonly registry = new Registry();
  private readonly pending = new PendingRequests();
  private readonly presenceListeners: Listeners<PresenceUpdate>;
  private readonly healthListeners: Listeners<HealthUpdate>;
  private readonly gapListeners: Listeners<EventGap>;
  private readonly errorListeners: Listeners<Error>;
  private readonly reportedListeners: Listeners<ConfigReportedUpdate>;
  private readonly events: EventStream;
  private readonly state: StateSubscription;
  private readonly router: InboundRouter;
  private readonly commands: CommandRequestContext;
  private readonly desires: ConfigDesireContext;
  private readonly link: FleetLink;
  /** Alerts for integrators: `publish` one (a backend raising alerts), `on` to handle them. */
  readonly alerts: Alerts;
  private closed = false;
  private readonly onMessageBound = (topic: string, payload: Buffer, packet: IPublishPacket) => {
    if (!this.closed) this.router.route(topic, payload, packet.retain);
  };
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
    if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('Fleet.connect: now must be a function returning ms since the epoch');
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
    const timeoutMs = options.requestTimeoutMs ?? 10_000;
    const sign = signWith(options.signer);
    const closed = () => this.closed;
    const now = options.now ?? Date.now;
    const onThrow = (err: unknown) => this.log.error({ err }, 'limen sdk: a listener threw');
    this.presenceListeners = new Listeners(onThrow);
    this.healthListeners = new Listeners(onThrow);
    this.gapListeners = new Listeners(onThrow);
    this.reportedListeners = new Listeners(onThrow);
    this.errorListeners = new Listeners(onThrow);
    this.events = new EventStream({ client, site: this.site, shareGroup: this.shareGroup, log: this.log, gaps: this.gapListeners, errors: this.errorListeners, now });
    this.state = new StateSubscription({ client, site: this.site, clientId, timeoutMs, now });
    this.alerts = new Alerts({ client, site: this.site, log: this.log, closed, onThrow, now });
    this.router = new InboundRouter({
      site: this.site,
      clientId,
      log: this.log,
      registry: this.registry,
      pending: this.pending,
      events: this.events,
      state: this.state,
      presence: this.presenceListeners,
      health: this.healthListeners,
      reported: this.reportedListeners,
      alerts: this.alerts,
      now,
    });
    const { site, registry, pending } = this;
    this.commands = { client, site, clientId, registry, pending, sign, timeoutMs, closed, now };
    this.desires = { client, site, registry, reported: this.reportedListeners, sign, timeoutMs, closed, now };
    this.link = {
      request: (terminal, name, body, opts) => this.request(terminal, name, body, opts),
      info: (id) => this.registry.snapshot(id),
      members: (group) => this.registry.members(group),
      desire: (terminal, config, opts) => desireConfig(this.desires, terminal, config, opts),
    };
  }

  /** mqtt.js writes a packet in pieces; without NODELAY, Nagle plus delayed ACKs add ~40 ms per request. */
  private noDelay(): void {
    (this.client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
  }

  private async start(timeoutMs: number): Promise<void> {
    this.client.on('message', this.onMessageBound);
    await whenConnected(this.client, timeoutMs);
    this.noDelay();
    this.client.on('connect', this.onConnectBound);
    this.client.on('close', this.onCloseBound);
    await this.state.subscribe();
  }

  /** After a reconnect (clean session): subscribe again, and have terminals resend what is unacknowledged. */
  private async resubscribe(): Promise<void> {
    if (this.closed) return;
    try {
      await this.state.subscribe();
      if (this.events.subscribed) await this.events.subscribe();
      await this.alerts.resubscribe();
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
    return { dropped: this.router.droppedCounts(), events: { ...this.events.counters }, pendingRequests: this.pending.size };
  }

  // ------------------------------------------------------------ requests

  /**
   * Sends one command and resolves with the terminal's reply body. Fails fast with
   * OfflineError when the terminal is not online, DisconnectedError when this client
   * is not connected, RejectedError when the terminal (or a local check) refuses,
   * TimeoutError when no reply comes in time.
   */
  request<N extends CommandName>(
    terminal: string,
    name: N,
    body: CommandRequest<N>,
    opts: RequestOptions & { validated?: boolean } = {},
  ): Promise<CommandResult<N>> {
    return sendCommand(this.commands, terminal, name, body, opts);
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
    this.state.releaseAll();
    if (this.client.connected) await this.events.idle();
    if (this.ownsClient) {
      await new Promise<void>((resolve) => this.client.end(!this.client.connected, () => resolve()));
    } else if (this.client.connected) {
      const subs = [
        ...this.state.filters(),
        ...(this.events.subscribed ? [filters.events(this.site, this.shareGroup)] : []),
        ...(this.alerts.subscribed ? [filters.alerts(this.site)] : []),
      ];
      await this.client.unsubscribeAsync(subs).catch(() => undefined);
    }
    this.events.clear();
    this.alerts.clear();
  }
}

export type { FleetEvent };
