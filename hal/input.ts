import type { Unsubscribe } from './events.js';

export interface InputEdge {
  /** Logical level after the edge: true = active (button pressed, door open, tamper, fire). */
  active: boolean;
  /**
   * ms since the Unix epoch, from the HAL clock: when the new level began (the raw
   * change that started the stable run), so it precedes the handler call by about
   * the debounce time.
   */
  timestamp: number;
}

/**
 * A digital input: door contact, exit button, tamper switch, fire-alarm input.
 *
 * Contract:
 * - `state` is the debounced logical level (true = active); the driver applies the
 *   board's active level and pull, so true always means "door open", "pressed", etc.
 * - `onChange` fires once per debounced change, never for a repeated level. A level
 *   must hold for `debounceMs` before it counts; shorter glitches are ignored.
 * - Drivers debounce with hal/debounce.ts so every input times glitches the same way.
 * - `close()` releases the pin; after close no handler is called, `state` keeps its
 *   last value and `close()` resolves and does nothing.
 */
export interface DigitalInput {
  readonly state: boolean;
  onChange(handler: (edge: InputEdge) => void): Unsubscribe;
  close(): Promise<void>;
}
