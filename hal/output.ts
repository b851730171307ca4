/**
 * A digital output: a door relay, an LED or a buzzer.
 *
 * `set(true)` means *active* in the logical sense (relay energised, LED lit, buzzer
 * sounding). The driver maps it to a pin level through the board's active level, so
 * firmware never deals with active-low wiring. Whether an energised relay locks or
 * unlocks the door (NO / NC wiring) is the board definition's business, read by the
 * door controller.
 *
 * Contract:
 * - `set` resolves once the level is applied; `state` reads the last applied value.
 *   Consecutive `set` calls are applied in call order (the door's relay guard relies on it).
 * - A new output starts inactive.
 * - `close()` drives the output inactive, then releases it. After close, `set()`
 *   rejects with HalError DEVICE_CLOSED and `close()` resolves and does nothing.
 */
export interface DigitalOutput {
  set(active: boolean): Promise<void>;
  readonly state: boolean;
  close(): Promise<void>;
}
