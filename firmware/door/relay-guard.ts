import type { Clock, TimerHandle } from '../../hal/clock.js';
import type { Unsubscribe } from '../../hal/events.js';
import type { DigitalInput } from '../../hal/input.js';
import type { DigitalOutput } from '../../hal/output.js';

export interface RelayGuardOptions {
  relay: DigitalOutput;
  clock: Clock;
  /** Longest continuous energising allowed. */
  maxEnergiseMs: number;
  /**
   * The fire input, read directly by the guard: while it is active on a fail-safe
   * door the cap is suspended (life safety), and only then.
   */
  fire?: DigitalInput;
  failSafe: boolean;
  /** Called after the guard cut the relay, with how long it had been energised. */
  onCut: (energisedMs: number) => void;
  /** A relay write failed (the driver rejected `set`). */
  onWriteError: (error: unknown) => void;
}

/**
 * The only path to the door relay. Whatever its user requests, the relay is never
 * energised for more than `maxEnergiseMs` at a stretch, except while the fire input
 * is active on a fail-safe door; when that fire clears, a relay already on for
 * longer is cut at once. After a cut the guard ignores energise requests until its
 * user requests release, so a state machine stuck on "unlocked" cannot re-energise.
 *
 * The cut check runs on the clock just after the deadline (a 0 ms timer), so a user
 * that releases the relay exactly at the deadline does so without tripping the guard.
 */
export class RelayGuard {
  private readonly relay: DigitalOutput;
  private readonly clock: Clock;
  private maxEnergiseMs: number;
  private readonly fire: DigitalInput | undefined;
  private readonly failSafe: boolean;
  private readonly onCut: (energisedMs: number) => void;
  private readonly onWriteError: (error: unknown) => void;
  private readonly unsubscribeFire: Unsubscribe;
  private energised = false;
  private since: number | null = null;
  private latched = false;
  private closed = false;
  private deadline: TimerHandle | null = null;
  private check: TimerHandle | null = null;

  constructor(options: RelayGuardOptions) {
    const { relay, clock, maxEnergiseMs, fire, failSafe, onCut, onWriteError } = options;
    if (!(Number.isInteger(maxEnergiseMs) && maxEnergiseMs > 0)) {
      throw new TypeError(`RelayGuard: maxEnergiseMs must be a whole number > 0, got ${maxEnergiseMs}`);
    }
    this.relay = relay;
    this.clock = clock;
    this.maxEnergiseMs = maxEnergiseMs;
    this.fire = fire;
    this.failSafe = failSafe;
    this.onCut = onCut;
    this.onWriteError = onWriteError;
    this.unsubscribeFire = fire ? fire.onChange(() => this.scheduleCheck()) : () => {};
    if (relay.state) this.write(false); // never inherit an energised relay
  }

  /** The level the guard has commanded (true = energised). */
  get active(): boolean {
    return this.energised;
  }

  /** When the current stretch of energising began, or null when released. */
  get energisedSince(): number | null {
    return this.since;
  }

  /**
   * Changes the cap while running. A stretch already under way is held to the new cap
   * from when it began, so lowering it below the time already energised cuts at once.
   */
  setMaxEnergiseMs(ms: number): void {
    if (!(Number.isInteger(ms) && ms > 0)) throw new TypeError(`RelayGuard: maxEnergiseMs must be a whole number > 0, got ${ms}`);
    this.maxEnergiseMs = ms;
    this.scheduleCheck();
  }

  /** Asks for the relay energised (true) or released (false). Ignored after close. */
  request(active: boolean): void {
    if (this.closed) return;
    if (!active) {
      this.latched = false;
      if (this.energised) this.release();
      return;
    }
    if (this.latched || this.energised) return;
    this.energised = true;
    this.since = this.clock.now();
    this.write(true);
    this.armDeadline(this.maxEnergiseMs);
  }

  /** Releases the relay and stops watching. Resolves once the release is applied. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribeFire();
    this.energised = false;
    this.since = null;
    this.cancelTimers();
    try {
      await this.relay.set(false);
    } catch (error) {
      this.onWriteError(error);
    }
  }

  private exempt(): boolean {
    return this.failSafe && this.fire?.state === true;
  }

  private armDeadline(ms: number): void {
    this.deadline?.cancel();
    this.deadline = this.clock.setTimeout(() => {
      this.deadline = null;
      this.scheduleCheck();
    }, ms);
  }

  private scheduleCheck(): void {
    if (this.closed || !this.energised) return;
    this.check?.cancel();
    this.check = this.clock.setTimeout(() => {
      this.check = null;
      this.enforce();
    }, 0);
  }

  private enforce(): void {
    if (this.closed || !this.energised || this.since === null) return;
    if (this.exempt()) {
      this.deadline?.cancel(); // the fire input's clearing edge checks again
      this.deadline = null;
      return;
    }
    const energisedMs = this.clock.now() - this.since;
    if (energisedMs < this.maxEnergiseMs) {
      this.armDeadline(this.maxEnergiseMs - energisedMs);
      return;
    }
    this.release();
    this.latched = true;
    this.onCut(energisedMs);
  }

  private release(): void {
    this.energised = false;
    this.since = null;
    this.cancelTimers();
    this.write(false);
  }

  private cancelTimers(): void {
    this.deadline?.cancel();
    this.check?.cancel();
    this.deadline = null;
    this.check = null;
  }

  private write(level: boolean): void {
    let pending: Promise<void>;
    try {
      pending = this.relay.set(level);
    } catch (error) {
      this.onWriteError(error);
      return;
    }
    pending.catch(this.onWriteError);
  }
}
