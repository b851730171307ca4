import type { Clock, TimerHandle } from '../../hal/clock.js';
import type { Unsubscribe } from '../../hal/events.js';
import type { DigitalInput } from '../../hal/input.js';
import type { DigitalOutput } from '../../hal/output.js';
import { child, type Logger } from '../log.js';
import { resolveBarrierConfig, type BarrierConfig } from './barrier-config.js';
import { DeviceEvents } from './device-events.js';

/** Who raised the barrier: an access decision at this gate, an operator (the fleet's unlock, a guard), or the fire input. */
export type BarrierOpenSource = 'grant' | 'remote' | 'fire';
/** Why it came down: the vehicle passed, nobody came within openMs, an operator closed it, or the fire input cleared. */
export type BarrierCloseReason = 'passed' | 'timeout' | 'remote' | 'fire-cleared';

export type BarrierEvent =
  | { type: 'barrier.opened'; at: number; source: BarrierOpenSource }
  | { type: 'barrier.closed'; at: number; reason: BarrierCloseReason }
  /** The barrier has been up for heldOpenMs (a vehicle parked on the loop, a stuck detector). */
  | { type: 'alarm.barrier-held'; at: number; openMs: number }
  | { type: 'alarm.barrier-held-cleared'; at: number; openMs: number };

export interface BarrierControllerOptions {
  /** Active = barrier held up (the barrier controller's maintained OPEN input); inactive = it comes down. */
  relay: DigitalOutput;
  /** Loop or radar detector: active = a vehicle under the boom. The barrier never comes down while it is. */
  vehicleDetector: DigitalInput;
  /** Fire-alarm input (the door's): active = fire. The barrier stays up for emergency vehicles until it clears. */
  fire?: DigitalInput;
  clock: Clock;
  config?: Partial<BarrierConfig>;
  logger: Logger;
  /** Attached before the starting level is read. */
  onEvent?: (event: BarrierEvent) => void;
}

export interface BarrierState {
  /** The relay holds the barrier up. */
  up: boolean;
  /** The detector sees a vehicle. */
  vehiclePresent: boolean;
  /** Openings granted and not yet used by a vehicle passing. */
  pending: number;
  heldAlarm: boolean;
  /** The fire input is active: the barrier is held up. */
  fireActive: boolean;
}

/** More grants than this queued while up count as this many (a queue of cars, not a stuck-open gate). */
const MAX_PENDING = 4;

/**
 * A vehicle barrier: a door with a presence interlock. Openings in; the barrier relay
 * and BarrierEvents out.
 *
 * - `open()` raises the barrier and counts one vehicle to let through. A vehicle that
 *   arrives on the loop and leaves again uses one; with none left the barrier comes down
 *   closeDelayMs later. Nobody arriving within openMs brings it down too.
 * - `requestClose()` (an operator) drops what is pending and brings it down at once, or, with a
 *   vehicle on the loop, closeDelayMs after the vehicle leaves. Ignored during a fire.
 * - FIRE: the fire input going active raises the barrier (source 'fire') and holds it up for
 *   emergency vehicles, whatever passes or is asked, until the input clears; then it comes down
 *   closeDelayMs later (reason 'fire-cleared'), or after a vehicle on the loop has left. No held
 *   alarm while the fire lasts: the barrier is meant to be up then.
 * - THE INTERLOCK: every path that lowers the barrier goes through `lower()`, which
 *   refuses while the detector is active. A vehicle arriving cancels the timers; the
 *   barrier only comes down after the detector clears. Unlike the door relay there is no
 *   energising cap: a boom coming down on a car is worse than a barrier left up, which
 *   alarm.barrier-held reports instead.
 */
export class BarrierController {
  private readonly relay: DigitalOutput;
  private readonly detector: DigitalInput;
  private readonly clock: Clock;
  private config: BarrierConfig;
  private readonly log: Logger;
  private readonly events: DeviceEvents<BarrierEvent>;
  private readonly unsubscribes: Unsubscribe[] = [];
  private closed = false;

  private up = false;
  private upSince = 0;
  private pending = 0;
  private present: boolean;
  private closeTimer: TimerHandle | null = null;
  private closeReason: BarrierCloseReason = 'timeout';
  private heldTimer: TimerHandle | null = null;
  private heldAlarm = false;
  private fireActive = false;

  constructor(options: BarrierControllerOptions) {
    const { relay, vehicleDetector, fire, clock, logger, onEvent } = options;
    if (!relay || typeof relay.set !== 'function') throw new TypeError('BarrierController: relay must be a DigitalOutput');
    if (!vehicleDetector || typeof vehicleDetector.onChange !== 'function') throw new TypeError('BarrierController: vehicleDetector must be a DigitalInput');
    if (fire !== undefined && typeof fire?.onChange !== 'function') throw new TypeError('BarrierController: fire must be a DigitalInput');
    if (!clock || typeof clock.setTimeout !== 'function') throw new TypeError('BarrierController: clock is required');
    if (!logger) throw new TypeError('BarrierController: logger is required');
    this.relay = relay;
    this.detector = vehicleDetector;
    this.clock = clock;
    this.config = resolveBarrierConfig(options.config);
    this.log = child(logger, 'barrier');
    this.events = new DeviceEvents(this.log, 'barrier');
    if (onEvent) this.events.add(onEvent);
    this.present = vehicleDetector.state;
    this.unsubscribes.push(vehicleDetector.onChange((e) => this.onDetector(e.active)));
    if (fire) {
      this.unsubscribes.push(fire.onChange((e) => this.onFire(e.active)));
      if (fire.state) this.onFire(true);
    }
  }

  get state(): BarrierState {
    return { up: this.up, vehiclePresent: this.present, pending: this.pending, heldAlarm: this.heldAlarm, fireActive: this.fireActive };
  }

  /** Raises the barrier (or keeps it up) for one more vehicle. Ignored after close. */
  open(options: { source: BarrierOpenSource }): void {
    const source = options?.source;
    if (source !== 'grant' && source !== 'remote') throw new TypeError(`open: source must be "grant" or "remote", got ${String(source)}`);
    if (this.closed) return;
    this.pending = Math.min(MAX_PENDING, this.pending + 1);
    this.raise(source);
    // Waiting for the vehicle: with one already on the loop, its leaving decides. A fire holds it up anyway.
    if (!this.present && !this.fireActive) this.armClose(this.config.openMs, 'timeout');
  }

  /** An operator lowers the barrier: at once, or closeDelayMs after the vehicle on the loop has left. */
  requestClose(): void {
    if (this.closed || !this.up || this.fireActive) return;
    this.pending = 0;
    if (this.present) {
      this.closeReason = 'remote';
      return;
    }
    this.lower('remote');
  }

  /** New timing while running; a timer under way keeps its end. Throws TypeError for a bad value. */
  reconfigure(patch: Partial<BarrierConfig>): void {
    this.config = resolveBarrierConfig({ ...this.config, ...patch });
  }

  onEvent(handler: (event: BarrierEvent) => void): Unsubscribe {
    return this.events.add(handler);
  }

  /**
   * Stops listening and cancels the timers. The relay is left as it is: the board's
   * close releases it, and the barrier controller's own safety input (docs/boards/vehicle-gate.md)
   * must keep the boom off a vehicle then.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const off of this.unsubscribes) off();
    this.closeTimer?.cancel();
    this.heldTimer?.cancel();
    this.events.close();
  }

  private onDetector(active: boolean): void {
    if (active === this.present || this.closed) return;
    this.present = active;
    if (!this.up) return;
    if (active) {
      // A vehicle under the boom: nothing may lower it until it has gone.
      this.closeTimer?.cancel();
      this.closeTimer = null;
      return;
    }
    if (this.fireActive) {
      // Emergency vehicles pass; the grants they may have used are forgotten, the fire holds the barrier.
      this.pending = Math.max(0, this.pending - 1);
      return;
    }
    if ((this.closeReason === 'remote' || this.closeReason === 'fire-cleared') && this.pending === 0) {
      this.armClose(this.config.closeDelayMs, this.closeReason);
      return;
    }
    this.pending = Math.max(0, this.pending - 1);
    if (this.pending > 0) this.armClose(this.config.openMs, 'timeout');
    else this.armClose(this.config.closeDelayMs, 'passed');
  }

  private onFire(active: boolean): void {
    if (active === this.fireActive || this.closed) return;
    this.fireActive = active;
    if (active) {
      this.closeTimer?.cancel();
      this.closeTimer = null;
      this.heldTimer?.cancel();
      this.heldTimer = null;
      this.raise('fire');
      return;
    }
    // The fire is over: the normal close, still behind the interlock.
    this.armHeld();
    const reason = this.pending > 0 ? 'timeout' : 'fire-cleared';
    // With a vehicle on the loop its leaving decides (onDetector).
    if (this.present) this.closeReason = reason;
    else this.armClose(reason === 'timeout' ? this.config.openMs : this.config.closeDelayMs, reason);
  }

  /** Raises the barrier if it is down. */
  private raise(source: BarrierOpenSource): void {
    if (this.up) return;
    this.up = true;
    this.upSince = this.clock.now();
    this.write(true);
    this.events.emit({ type: 'barrier.opened', at: this.upSince, source });
    if (!this.fireActive) this.armHeld();
  }

  private armClose(ms: number, reason: BarrierCloseReason): void {
    this.closeTimer?.cancel();
    this.closeReason = reason;
    this.closeTimer = this.clock.setTimeout(() => {
      this.closeTimer = null;
      this.lower(this.closeReason);
    }, ms);
  }

  /** The one way down, and the interlock: never while the detector sees a vehicle. */
  private lower(reason: BarrierCloseReason): void {
    if (!this.up || this.present || this.detector.state || this.fireActive) return;
    this.up = false;
    this.pending = 0;
    this.closeTimer?.cancel();
    this.closeTimer = null;
    this.closeReason = 'timeout';
    this.heldTimer?.cancel();
    this.heldTimer = null;
    const at = this.clock.now();
    this.write(false);
    this.events.emit({ type: 'barrier.closed', at, reason });
    if (this.heldAlarm) {
      this.heldAlarm = false;
      this.events.emit({ type: 'alarm.barrier-held-cleared', at, openMs: at - this.upSince });
    }
  }

  private armHeld(): void {
    this.heldTimer?.cancel();
    this.heldTimer = this.clock.setTimeout(() => {
      this.heldTimer = null;
      if (!this.up || this.heldAlarm) return;
      this.heldAlarm = true;
      const at = this.clock.now();
      this.events.emit({ type: 'alarm.barrier-held', at, openMs: at - this.upSince });
    }, this.config.heldOpenMs);
  }

  private write(active: boolean): void {
    // Writes apply in call order (DigitalOutput contract); a failed one is logged.
    this.relay.set(active).catch((err: unknown) => this.log.error({ err, active }, 'barrier relay write failed'));
  }
}
