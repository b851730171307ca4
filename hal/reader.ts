import type { Unsubscribe } from './events.js';

/** Wire format a card value arrived in. */
export type CardFormat = 'wiegand26' | 'wiegand34' | 'wiegand37' | 'em4100' | 'mifare-uid' | 'osdp' | 'keypad';

export interface CardRead {
  format: CardFormat;
  /** Number of data bits in the frame, after parity bits are stripped. */
  bitLength: number;
  /**
   * The credential value as a decimal string (facility code and card number already
   * combined the way the reader's format defines), so it can be matched as-is.
   */
  value: string;
  /** Facility code where the format carries one (Wiegand 26/34/37). */
  facility?: number;
  timestamp: number;
}

/**
 * A card (or PIN keypad) reader.
 *
 * Contract:
 * - `onRead` fires once per valid read. Frames that fail parity or framing never
 *   reach it; they go to `onError` with HalError BAD_FRAME.
 * - `close()` releases the device; afterwards no handler is called and `close()`
 *   resolves and does nothing.
 */
export interface CardReader {
  onRead(handler: (read: CardRead) => void): Unsubscribe;
  onError(handler: (error: Error) => void): Unsubscribe;
  close(): Promise<void>;
}
