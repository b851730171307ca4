/**
 * The vehicle-gate role: plate reads from the plate camera → the access core → the
 * barrier. One read is one decision (repeats of a plate while it is being handled are
 * dropped: cameras send several reads of one approach); the snapshot the camera sent is
 * kept sealed and named in the event; unknown plates follow `vehicle.unknownPlate`.
 */
import type { EventData } from '@limen/sdk/protocol';
import { normalisePlate } from '@limen/sdk/protocol';
import type { Clock, TimerHandle } from '../../hal/clock.js';
import type { Unsubscribe } from '../../hal/events.js';
import type { PlateRead, PlateReader } from '../../hal/plate-reader.js';
import type { AccessService, GuardAnswer, PresentResult } from '../access/index.js';
import type { PresentedPlate } from '../access/types.js';
import type { BarrierController } from '../door/barrier.js';
import { child, type Logger } from '../log.js';
import type { NewEvent } from '../store/event-log.js';
import type { PlateSnapshots } from '../store/plate-snapshots.js';

export interface VehicleGateOptions {
  reader: PlateReader;
  barrier: BarrierController;
  access: AccessService;
  clock: Clock;
  terminalId: string;
  /** Current settings (the fleet may change them): how long ask-guard waits; how long a plate's repeats are dropped. */
  settings: () => { guardWaitMs: number; repeatMs: number };
  /** Sealed plate snapshots; null without a data key (then none are kept). */
  snapshots: PlateSnapshots | null;
  /** Stores an event that is not a decision (vehicle.unknown-plate). */
  record: (event: NewEvent) => void;
  /** Each decision, after the barrier was driven (the terminal shows it). */
  onDecision?: (result: PresentResult) => void;
  logger: Logger;
}

interface GuardAsk {
  plate: string;
  resolve: (answer: GuardAnswer) => void;
  timer: TimerHandle;
}

const COLOURS = new Set(['blue', 'yellow', 'green', 'white', 'black', 'yellow-green', 'other']);

export class VehicleGate {
  private readonly log: Logger;
  private readonly unsubscribe: Unsubscribe;
  /** Approaches recently decided (or being decided), by normalised plate and direction: repeats are dropped. */
  private readonly recent = new Map<string, number>();
  private readonly asks: GuardAsk[] = [];
  private closed = false;

  constructor(private readonly o: VehicleGateOptions) {
    this.log = child(o.logger, 'vehicle');
    const listener = (read: PlateRead) => void this.onRead(read).catch((err: unknown) => this.log.error({ err }, 'plate read could not be decided'));
    o.reader.on('plate', listener);
    this.unsubscribe = () => o.reader.off('plate', listener);
  }

  /** Unknown plates waiting for the guard, oldest first. */
  get waiting(): string[] {
    return this.asks.map((a) => a.plate);
  }

  /**
   * An operator opens the barrier (the fleet's `unlock` with door "barrier"): it answers
   * the oldest unknown plate waiting for the guard, or just raises the barrier.
   */
  remoteOpen(): void {
    const ask = this.asks.shift();
    if (ask) {
      ask.timer.cancel();
      ask.resolve('approved');
      return;
    }
    this.o.barrier.open({ source: 'remote' });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    for (const ask of this.asks.splice(0)) {
      ask.timer.cancel();
      ask.resolve('no-answer');
    }
  }

  /** Decides one plate read; resolves once it is recorded (after the guard's answer, under ask-guard). */
  async onRead(read: PlateRead): Promise<PresentResult | null> {
    if (this.closed) return null;
    const now = this.o.clock.now();
    const normal = normalisePlate(String(read.plate ?? ''));
    const key = normal.ok ? normal.plate : String(read.plate ?? '').trim().slice(0, 16);
    const { repeatMs, guardWaitMs } = this.o.settings();
    // One approach is one plate in one direction: the same car leaving is a new passage.
    const approach = `${key}|${read.direction ?? 'unknown'}`;
    const last = this.recent.get(approach);
    if (last !== undefined && now - last < repeatMs) return null;
    this.recent.set(approach, now);
    this.forgetOld(now, repeatMs);

    const snapshotId = this.keepSnapshot(read, normal.ok ? normal.plate : null);
    const credential = presented(read, snapshotId);
    let guard: GuardAnswer | undefined;
    const { access } = this.o;
    if (access.unknownPlatePolicy === 'ask-guard') {
      const preview = access.preview(credential);
      if (preview.result === 'denied' && preview.reason === 'unknown-credential') {
        const data: EventData<'vehicle.unknown-plate'> = { plate: key, snapshotId, waitMs: guardWaitMs };
        if (credential.colour) data.colour = credential.colour;
        if (credential.vehicleType) data.vehicleType = credential.vehicleType;
        if (credential.direction) data.direction = credential.direction;
        if (credential.cameraId) data.cameraId = credential.cameraId;
        this.o.record({ type: 'vehicle.unknown-plate', ts: now, terminalId: this.o.terminalId, credentialType: 'plate', credentialRef: normal.ok ? normal.plate : null, data });
        guard = await this.askGuard(key, guardWaitMs);
        if (this.closed) return null;
        // The decision waited: its repeats are dropped from now on, not from the read.
        this.recent.set(approach, this.o.clock.now());
      }
    }
    const result = access.present(credential, { terminalId: this.o.terminalId, ...(guard && { guard }) });
    if (snapshotId && this.o.snapshots) this.o.snapshots.link(snapshotId, result.event.seq);
    if (result.decision.result === 'granted') this.o.barrier.open({ source: guard === 'approved' ? 'remote' : 'grant' });
    this.o.onDecision?.(result);
    return result;
  }

  private askGuard(plate: string, waitMs: number): Promise<GuardAnswer> {
    return new Promise((resolve) => {
      const ask: GuardAsk = {
        plate,
        resolve,
        timer: this.o.clock.setTimeout(() => {
          const i = this.asks.indexOf(ask);
          if (i >= 0) this.asks.splice(i, 1);
          resolve('no-answer');
        }, waitMs),
      };
      this.asks.push(ask);
    });
  }

  private keepSnapshot(read: PlateRead, plate: string | null): string | null {
    if (!read.snapshot || !this.o.snapshots) return null;
    try {
      return this.o.snapshots.add({ jpeg: read.snapshot, plate, ts: read.at }).id;
    } catch (err) {
      this.log.warn({ err }, 'plate snapshot not kept');
      return null;
    }
  }

  private forgetOld(now: number, repeatMs: number): void {
    for (const [plate, at] of this.recent) if (now - at >= repeatMs) this.recent.delete(plate);
  }
}

/** A read as the access core takes it: fields a camera got wrong are left out rather than refused. */
function presented(read: PlateRead, snapshotId: string | null): PresentedPlate {
  const c: PresentedPlate = { type: 'plate', value: String(read.plate ?? '').slice(0, 64), snapshotId };
  if (read.colour && COLOURS.has(read.colour)) c.colour = read.colour;
  if (typeof read.vehicleType === 'string' && read.vehicleType) c.vehicleType = read.vehicleType.slice(0, 32);
  if (read.direction === 'in' || read.direction === 'out' || read.direction === 'unknown') c.direction = read.direction;
  if (typeof read.confidence === 'number' && read.confidence >= 0 && read.confidence <= 1) c.confidence = read.confidence;
  if (typeof read.cameraId === 'string' && read.cameraId) c.cameraId = read.cameraId.slice(0, 64);
  return c;
}
