import type { Clock, TimerHandle } from '../../hal/clock.js';
import type { Unsubscribe } from '../../hal/events.js';
import type { DigitalInput } from '../../hal/input.js';
import type { DigitalOutput } from '../../hal/output.js';
import { child, type Logger } from '../log.js';
import { resolveDoorConfig, type DoorConfig } from './config.js';
import { DeviceEvents } from './device-events.js';
import type { DoorAlarm, DoorEvent, LockReason, UnlockSource } from './events.js';
import { RelayGuard } from './relay-guard.js';

export interface DoorControllerOptions {
  /** The lock relay: active (energised) = unlocked. NO/NC wiring and active level are the driver's business. */
  relay: DigitalOutput;
  /** Door position switch: active = open. Without it the door never reads open. */
  contact?: DigitalInput;
  /** Request-to-exit button: active = pressed. */
  exitButton?: DigitalInput;
  /** Fire-alarm input: active = fire. */
  fire?: DigitalInput;
  /** Enclosure tamper switch: active = tampered. */
  tamper?: DigitalInput;
  clock: Clock;
  /** Missing settings take DEFAULT_DOOR_CONFIG; bad ones throw TypeError. */
  config?: Partial<DoorConfig>;
  logger: Logger;
  /**
   * Attached before the controller reads the inputs' starting levels, so it also
   * sees what those cause (a fire input already active, an open tamper switch).
   */
  onEvent?: (event: DoorEvent) => void;
}

export interface GrantOptions {
  /** How long to unlock; default config.unlockMs. Never past maxEnergiseMs of continuous unlock. */
  durationMs?: number;
  /** 'grant' for an access decision at this door, 'remote' for an operator's unlock. */
  source: 'grant' | 'remote';
}

export interface DoorState {
  /** The relay is released. */
  locked: boolean;
  /** The door contact reads open. */
  open: boolean;
  /** The relay is energised (always !locked). */
  relayActive: boolean;
  fireActive: boolean;
  tamperActive: boolean;
  /** Alarms raised and not yet cleared, in the order raised. */
  alarms: DoorAlarm[];
  /** When a timed unlock ends; null while locked or held by a fire release. */
  unlockedUntil: number | null;
}

interface Unlock {
  since: number;
  /** null = held by a fire release until the fire input clears. */
  until: number | null;
}

/**
 * The door state machine: grants, exit requests, the door contact, fire and tamper
 * inputs in; the lock relay and DoorEvents out. It does no I/O beyond the injected
 * HAL devices and never closes them.
 *
 * - A grant (or exit press, if exitButtonUnlocks) energises the relay for unlockMs; a
 *   new one while unlocked extends the unlock, never past maxEnergiseMs from when the
 *   relay was energised.
 * - The door opening while locked with no grant and no exit request in effect is
 *   forced open; open longer than heldOpenMs is held open (cleared when it closes;
 *   not raised while the fire input is active).
 * - Fire on a fail-safe door unlocks it until the fire input clears, then it locks.
 *   A fail-secure door stays locked; the fire is still reported.
 * - Every relay write goes through a RelayGuard, which cuts the relay after
 *   maxEnergiseMs of continuous energising whatever the state machine asks for.
 *   The ONE exception is a fire release on a fail-safe door: life safety comes first,
 *   so the relay stays energised for as long as the fire input is active. When the
 *   fire clears the door locks; a relay left on past the cap is cut at once.
 */
export class DoorController {
  private readonly clock: Clock;
  private config: DoorConfig;
  private readonly log: Logger;
  private readonly guard: RelayGuard;
  private readonly events: DeviceEvents<DoorEvent>;
  private readonly unsubscribes: Unsubscribe[] = [];
  private closed = false;

  private unlock: Unlock | null = null;
  private relockTimer: TimerHandle | null = null;
  /** With exitButtonUnlocks off, an exit press excuses openings until this time. */
  private exitExcusedUntil: number | null = null;
  private isOpen = false;
  private openedAt: number | null = null;
  private heldTimer: TimerHandle | null = null;
  /** When the running held-open timer started counting. */
  private heldFrom = 0;
  private fireActive = false;
  private tamperActive = false;
  private readonly alarms: DoorAlarm[] = [];

  constructor(options: DoorControllerOptions) {
    const { relay, contact, exitButton, fire, tamper, clock, logger, onEvent } = options;
    if (!relay || typeof relay.set !== 'function') throw new TypeError('DoorController: relay must be a DigitalOutput');
    if (!clock || typeof clock.setTimeout !== 'function') throw new TypeError('DoorController: clock is required');
    if (!logger) throw new TypeError('DoorController: logger is required');
    this.config = resolveDoorConfig(options.config);
    this.clock = clock;
    this.log = child(logger, 'door');
    this.events = new DeviceEvents(this.log, 'door');
    if (onEvent) this.events.add(onEvent);
    this.guard = new RelayGuard({
      relay,
      clock,
      maxEnergiseMs: this.config.maxEnergiseMs,
      fire,
      failSafe: this.config.lock === 'fail-safe',
      onCut: (energisedMs) => this.onRelayCut(energisedMs),
      onWriteError: (error) => this.log.error({ err: error }, 'relay write failed'),
    });
    if (contact) this.unsubscribes.push(contact.onChange((e) => this.onContact(e.active)));
    if (exitButton) this.unsubscribes.push(exitButton.onChange((e) => e.active && this.onExitPress()));
    if (fire) this.unsubscribes.push(fire.onChange((e) => this.onFire(e.active)));
    if (tamper) this.unsubscribes.push(tamper.onChange((e) => this.onTamper(e.active)));

    // Starting levels: an open door is just open (not forced), but fire and tamper act.
    if (contact?.state) {
      this.isOpen = true;
      this.openedAt = clock.now();
      this.armHeldOpen();
    }
    if (fire?.state) this.onFire(true);
    if (tamper?.state) this.onTamper(true);
  }

  get state(): DoorState {
    return {
      locked: !this.guard.active,
      open: this.isOpen,
      relayActive: this.guard.active,
      fireActive: this.fireActive,
      tamperActive: this.tamperActive,
      alarms: [...this.alarms],
      unlockedUntil: this.unlock?.until ?? null,
    };
  }

  /**
   * Unlocks for `durationMs` (default unlockMs), or extends the current unlock.
   * Ignored after close. Throws TypeError for a bad duration or source.
   */
  grant(options: GrantOptions): void {
    const { durationMs = this.config.unlockMs, source } = options ?? ({} as GrantOptions);
    if (!(Number.isFinite(durationMs) && durationMs > 0)) {
      throw new TypeError(`grant: durationMs must be a number of ms > 0, got ${String(durationMs)}`);
    }
    if (source !== 'grant' && source !== 'remote') {
      throw new TypeError(`grant: source must be "grant" or "remote", got ${String(source)}`);
    }
    if (this.closed) {
      this.log.warn({ source }, 'grant after close ignored');
      return;
    }
    this.unlockFor(durationMs, source);
  }

  /**
   * Changes door settings while running (a fleet config change, say). An unlock under way
   * keeps its end time; a door already open is held to the new heldOpenMs from when it
   * opened; a lower maxEnergiseMs shortens the unlock under way. `lock` is wiring (how the lock fails without power) and needs a restart.
   * Throws TypeError for a bad setting; nothing changes then.
   */
  reconfigure(patch: Partial<DoorConfig>): void {
    const next = resolveDoorConfig({ ...this.config, ...patch });
    if (next.lock !== this.config.lock) throw new TypeError(`door config: lock: is wiring and cannot change while running (is ${this.config.lock})`);
    this.config = next;
    if (this.closed) return;
    // A lower cap shortens the unlock under way, so the state machine relocks before the guard must cut.
    if (this.unlock && this.unlock.until !== null) {
      const until = Math.min(this.unlock.until, this.unlock.since + next.maxEnergiseMs);
      if (until < this.unlock.until) {
        this.unlock.until = until;
        this.armRelock(Math.max(0, until - this.clock.now()));
      }
    }
    this.guard.setMaxEnergiseMs(next.maxEnergiseMs);
    if (this.heldTimer) this.armHeldOpen(this.heldFrom);
  }

  /** Subscribes to door events. Handlers run synchronously; one that throws is logged and skipped. */
  onEvent(handler: (event: DoorEvent) => void): Unsubscribe {
    if (typeof handler !== 'function') throw new TypeError('onEvent takes a function');
    return this.events.add(handler);
  }

  /**
   * Stops the controller: cancels its timers, stops listening to the inputs and
   * de-energises the relay (resolves once applied). Emits nothing more. The
   * injected devices stay open; their owner closes them.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    this.relockTimer?.cancel();
    this.heldTimer?.cancel();
    this.events.close();
    this.unlock = null;
    await this.guard.close();
  }

  private unlockFor(durationMs: number, source: UnlockSource): void {
    const now = this.clock.now();
    if (this.unlock?.until === null) return; // held open by a fire release already
    const since = this.unlock?.since ?? now;
    const until = Math.min(now + durationMs, since + this.config.maxEnergiseMs);
    if (this.unlock) {
      if (until > (this.unlock.until as number)) {
        this.unlock.until = until;
        this.armRelock(until - now);
      }
      return;
    }
    this.unlock = { since: now, until };
    this.guard.request(true);
    this.armRelock(until - now);
    this.events.emit({ type: 'door.unlocked', at: now, source });
  }

  private lock(reason: LockReason): void {
    if (!this.unlock) return;
    this.unlock = null;
    this.relockTimer?.cancel();
    this.relockTimer = null;
    this.guard.request(false);
    this.events.emit({ type: 'door.locked', at: this.clock.now(), reason });
  }

  private armRelock(ms: number): void {
    this.relockTimer?.cancel();
    this.relockTimer = this.clock.setTimeout(() => {
      this.relockTimer = null;
      this.lock('timeout');
    }, ms);
  }

  private onExitPress(): void {
    const now = this.clock.now();
    const unlocks = this.config.exitButtonUnlocks;
    this.events.emit({ type: 'door.exit-request', at: now, unlocks });
    if (unlocks) this.unlockFor(this.config.unlockMs, 'exit');
    else this.exitExcusedUntil = now + this.config.unlockMs;
  }

  private onContact(open: boolean): void {
    if (open === this.isOpen) return;
    this.isOpen = open;
    const now = this.clock.now();
    if (open) {
      this.openedAt = now;
      this.events.emit({ type: 'door.opened', at: now });
      const excused = this.exitExcusedUntil !== null && now < this.exitExcusedUntil;
      this.exitExcusedUntil = null; // one exit request excuses one opening
      if (!this.unlock && !excused) this.raise('forced-open', { type: 'alarm.forced-open', at: now });
      else if (this.config.relockOnOpen && this.unlock && this.unlock.until !== null) this.lock('opened');
      this.armHeldOpen();
      return;
    }
    const openMs = now - (this.openedAt ?? now);
    this.openedAt = null;
    this.heldTimer?.cancel();
    this.heldTimer = null;
    this.events.emit({ type: 'door.closed', at: now });
    if (this.clear('held-open')) this.events.emit({ type: 'alarm.held-open-cleared', at: now, openMs });
    if (this.clear('forced-open')) this.events.emit({ type: 'alarm.forced-open-cleared', at: now });
  }

  /**
   * Starts the held-open timer for an open door, counting from `from` (not during a fire:
   * doors are meant to be open then).
   */
  private armHeldOpen(from = this.clock.now()): void {
    this.heldTimer?.cancel();
    this.heldTimer = null;
    if (!this.isOpen || this.fireActive || this.alarms.includes('held-open')) return;
    this.heldFrom = from;
    this.heldTimer = this.clock.setTimeout(() => {
      this.heldTimer = null;
      const now = this.clock.now();
      this.raise('held-open', { type: 'alarm.held-open', at: now, openMs: now - (this.openedAt ?? now) });
    }, Math.max(0, from + this.config.heldOpenMs - this.clock.now()));
  }

  private onFire(active: boolean): void {
    if (active === this.fireActive) return;
    this.fireActive = active;
    const now = this.clock.now();
    if (!active) {
      this.events.emit({ type: 'fire.cleared', at: now });
      if (this.unlock?.until === null) this.lock('fire-cleared');
      this.armHeldOpen();
      return;
    }
    const release = this.config.lock === 'fail-safe';
    this.events.emit({ type: 'fire.release', at: now, doorReleased: release });
    this.heldTimer?.cancel();
    this.heldTimer = null;
    if (!release) return;
    this.relockTimer?.cancel();
    this.relockTimer = null;
    if (this.unlock) {
      this.unlock.until = null;
      return;
    }
    this.unlock = { since: now, until: null };
    this.guard.request(true);
    this.events.emit({ type: 'door.unlocked', at: now, source: 'fire' });
  }

  private onTamper(active: boolean): void {
    if (active === this.tamperActive) return;
    this.tamperActive = active;
    const at = this.clock.now();
    if (active) this.raise('tamper', { type: 'alarm.tamper', at });
    else if (this.clear('tamper')) this.events.emit({ type: 'alarm.tamper-cleared', at });
  }

  /** The guard cut the relay: the state machine failed to relock in time. Resync with the relay. */
  private onRelayCut(energisedMs: number): void {
    const at = this.clock.now();
    this.log.error({ energisedMs, maxEnergiseMs: this.config.maxEnergiseMs }, 'relay guard cut the relay');
    this.events.emit({ type: 'alarm.relay-max-energise', at, energisedMs });
    if (this.unlock) this.lock('relay-cut');
    else this.guard.request(false);
  }

  private raise(alarm: DoorAlarm, event: DoorEvent): void {
    if (this.alarms.includes(alarm)) return;
    this.alarms.push(alarm);
    this.events.emit(event);
  }

  private clear(alarm: DoorAlarm): boolean {
    const i = this.alarms.indexOf(alarm);
    if (i < 0) return false;
    this.alarms.splice(i, 1);
    return true;
  }
}
