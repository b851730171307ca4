import type { Unsubscribe } from './events.js';

/** Wire format a card value arrived in. */
export type CardFormat = 'wiegand26' | 'wiegand34' | 'wiegand37' | 'em4100' | 'mifare-uid' | 'osdp' | 'keypad';

/**
 * One read. How each format fills it (drivers and the sim twin agree on this, so
 * stored credentials match whichever reader reads the card):
 * - wiegand26: bitLength 24 = 8-bit facility + 16-bit card; value = facility × 65536 + card.
 * - wiegand34: bitLength 32 = 16-bit facility + 16-bit card; value = facility × 65536 + card.
 * - wiegand37: bitLength 35 = 16-bit facility + 19-bit card (HID H10304); value = facility × 524288 + card.
 * - em4100: bitLength 40 (version byte + 32-bit id); value = the 40-bit tag number; no facility.
 * - mifare-uid: bitLength 32, 56 or 80 (4, 7 or 10-byte UID); value = the UID bytes read big-endian.
 * - osdp: bitLength as the reader reports it; value = the card data bits as an unsigned number.
 *   An osdp_RAW read that is a 26/34/37-bit Wiegand frame with good parity is reported in
 *   that Wiegand format instead, so the card matches whichever reader reads it.
 * - keypad: value = the PIN digits as typed, leading zeros kept; bitLength = 4 × digits.
 */
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

/** A key on a reader's keypad. */
export type KeypadKey = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#';

export interface KeyPress {
  key: KeypadKey;
  timestamp: number;
}

/**
 * A card (or PIN keypad) reader.
 *
 * Contract:
 * - `onRead` fires once per valid read. Frames that fail parity or framing never
 *   reach it; they go to `onError` with HalError BAD_FRAME.
 * - `onKey` fires once per key pressed on a keypad that sends keys one by one
 *   (osdp_KEYPAD, Wiegand 4- and 8-bit bursts). Putting keys together into a PIN
 *   (`#` enters, `*` clears, a pause abandons) is the firmware's job
 *   (firmware/access/pin-entry.ts). Readers without such a keypad never call it.
 * - `close()` releases the device; afterwards no handler is called and `close()`
 *   resolves and does nothing.
 */
export interface CardReader {
  onRead(handler: (read: CardRead) => void): Unsubscribe;
  onKey(handler: (key: KeyPress) => void): Unsubscribe;
  onError(handler: (error: Error) => void): Unsubscribe;
  close(): Promise<void>;
}

const KEYS: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'];

export function isKeypadKey(value: unknown): value is KeypadKey {
  return typeof value === 'string' && KEYS.includes(value);
}
