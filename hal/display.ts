export type DisplayMode = 'idle' | 'prompt' | 'granted' | 'denied' | 'alert';

export interface DisplayState {
  mode: DisplayMode;
  /** Main line, e.g. a name, "Come closer" or "Access denied". */
  title: string;
  /** Optional second line, e.g. the reason or the time. */
  detail?: string;
  /** Optional QR code payload to draw (visitor self-registration, passes). */
  qr?: string;
  /**
   * A code for what is shown, so a screen that speaks another language can say it its
   * own way instead of showing the English title and detail: for `denied` the access
   * reason (e.g. 'stranger'), for `prompt` the quality reason (e.g. 'too_small'), for
   * `alert` the alert (e.g. 'fire-release').
   */
  reason?: string;
}

/**
 * The terminal's screen (kiosk page, OLED, or the simulator).
 *
 * Contract:
 * - `render` replaces what is shown; it resolves when the state is shown.
 * - `current` is the last rendered state (idle with an empty title before any).
 * - `render` rejects with TypeError for a state that is not a DisplayState (unknown
 *   mode, non-string title/detail/qr) and leaves the screen as it was.
 * - `close()` blanks and releases the display; afterwards `current` reads the blank
 *   state (idle, empty title), `render()` rejects with HalError DEVICE_CLOSED and
 *   `close()` resolves and does nothing.
 */
export interface Display {
  render(state: DisplayState): Promise<void>;
  readonly current: DisplayState;
  close(): Promise<void>;
}
