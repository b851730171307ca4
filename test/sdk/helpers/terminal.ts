/** A fleet agent with in-memory store, door and config, for tests. */
import { systemClock, type Clock } from '../../../hal/clock.js';
import { Listeners } from '../../../hal/events.js';
import { silentLogger } from '../../../firmware/log.js';
import { CommandError, FleetAgent, MemoryConfig, MemoryEventSource, MemoryGallery, type CommandHandlers, type EventSource } from '../../../firmware/fleet/index.js';
import { faceSnapshotGetter } from '../../../firmware/fleet/face-snapshot-get.js';
import type { FaceSnapshots } from '../../../firmware/store/index.js';
import type { TestBroker } from './brokers.js';

/** A memory event source that tells the test when its ack cursor moves. */
export class WatchedEventSource extends MemoryEventSource {
  readonly acks = new Listeners<number>();
  override ack(throughSeq: number): number {
    const r = super.ack(throughSeq);
    this.acks.emit(r);
    return r;
  }
}

export interface TestTerminal {
  agent: FleetAgent;
  events: WatchedEventSource;
  gallery: MemoryGallery;
  config: MemoryConfig;
  unlocks: Array<{ durationMs: number; door?: string }>;
  reboots: number[];
  /** With `barrier`: how many `barrier.close` commands came, and the refusal to answer the next with (null: it closes). */
  barrierCloses: number;
  barrierRefusal: CommandError | null;
}

export interface TerminalOptions {
  site?: string;
  id: string;
  groups?: string[];
  clock?: Clock;
  events?: EventSource;
  handlers?: CommandHandlers;
  ackTimeoutMs?: number;
  /** Adds a snapshot handler that returns a tiny fixed PNG. */
  camera?: boolean;
  /** Answers `snapshots.get` from these (a real sealed snapshot store, as a terminal's). */
  faceSnapshots?: FaceSnapshots;
  /** Answers `barrier.close` as a vehicle gate (see `barrierCloses`, `barrierRefusal`). */
  barrier?: boolean;
  /** Client certificate, key and CA (a provisioned broker). */
  tls?: { ca: Buffer; cert: Buffer; key: Buffer };
}

/** A 1x1 PNG. */
export const PIXEL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

export function startTerminal(broker: TestBroker, o: TerminalOptions): TestTerminal {
  const events = new WatchedEventSource();
  const gallery = new MemoryGallery();
  const config = new MemoryConfig({ version: 0, config: {} }, (c) => {
    if ('unlockMs' in c && (typeof c.unlockMs !== 'number' || c.unlockMs > 60_000)) {
      throw new CommandError('CONFIG_REJECTED', 'unlockMs: must be a number <= 60000');
    }
  });
  const unlocks: Array<{ durationMs: number; door?: string }> = [];
  const reboots: number[] = [];
  const clock = o.clock ?? systemClock;
  const barrier = { closes: 0, refusal: null as CommandError | null };
  const agent = new FleetAgent({
    site: o.site ?? 'hq',
    terminalId: o.id,
    mqtt: { url: broker.url, protocolVersion: broker.protocolVersion, backoff: { initialMs: 50, maxMs: 300 }, ...(o.tls && { tls: o.tls }) },
    identity: { firmware: 'limen-test 0.1.0', board: 'sim', groups: o.groups ?? [] },
    events: o.events ?? events,
    handlers: o.handlers ?? {
      unlock: (req) => {
        unlocks.push({ durationMs: req.durationMs, ...(req.door !== undefined && { door: req.door }) });
        return { until: clock.now() + req.durationMs };
      },
      reboot: (req) => {
        reboots.push(req.delayMs ?? 0);
        return { at: clock.now() + (req.delayMs ?? 0) };
      },
      persons: { upsert: (p) => gallery.upsert(p), remove: (ids) => gallery.remove(ids) },
      gallery,
      ...(o.camera ? { snapshot: () => ({ ts: clock.now(), mime: 'image/png' as const, width: 1, height: 1, data: PIXEL_PNG }) } : {}),
      ...(o.faceSnapshots && { faceSnapshot: faceSnapshotGetter(o.faceSnapshots) }),
      ...(o.barrier && {
        closeBarrier: () => {
          barrier.closes++;
          if (barrier.refusal) throw barrier.refusal;
          return { at: clock.now(), wasUp: true };
        },
      }),
    },
    config,
    clock,
    logger: silentLogger(),
    healthIntervalMs: 60_000,
    outbox: { ackTimeoutMs: o.ackTimeoutMs ?? 2000 },
  });
  agent.start();
  return {
    agent,
    events,
    gallery,
    config,
    unlocks,
    reboots,
    get barrierCloses() {
      return barrier.closes;
    },
    get barrierRefusal() {
      return barrier.refusal;
    },
    set barrierRefusal(e) {
      barrier.refusal = e;
    },
  };
}
