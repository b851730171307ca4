import { HalError } from '../errors.js';
import type { CardRead, KeyPress, KeypadKey } from '../reader.js';
import type { WiegandBurst } from './assembler.js';
import { decodeWiegand } from './decode.js';

/** Bursts shorter than this, other than a 4-bit key, are line noise (a spike when a reader powers up), not frames. */
export const MIN_FRAME_BITS = 8;

export type BurstOutcome =
  | { kind: 'read'; read: CardRead }
  | { kind: 'key'; key: KeyPress }
  | { kind: 'bad'; error: HalError }
  | { kind: 'noise'; reason: string };

/** Key values of Wiegand keypads: 0–9, then 10 = `*` and 11 = `#` (HID and most others). */
function keyOf(value: number): KeypadKey | null {
  if (value <= 9) return String(value) as KeypadKey;
  if (value === 10) return '*';
  if (value === 11) return '#';
  return null;
}

/**
 * Keypads send one burst per key: 4 bits (the key value, first bit most
 * significant), or 8 bits (the complement of the value in the high nibble, then
 * the value), which lets a garbled key be told from a real one.
 */
function interpretKey(bits: readonly number[], timestamp: number, name: string): BurstOutcome {
  const value = bits.reduce((n, b) => n * 2 + b, 0);
  const low = value & 0x0f;
  if (bits.length === 8 && value >> 4 !== (~low & 0x0f)) return { kind: 'bad', error: new HalError('BAD_FRAME', `${name}: 8-bit key 0x${value.toString(16).padStart(2, '0')} fails its complement check`) };
  const key = keyOf(low);
  if (key === null) return { kind: 'bad', error: new HalError('BAD_FRAME', `${name}: ${bits.length}-bit key value ${low} is not a digit, * or #`) };
  return { kind: 'key', key: { key, timestamp } };
}

/** Decides what a burst is: a card read, a key, a bad frame (parity, length, crosstalk) or ignorable noise. */
export function interpretBurst(burst: WiegandBurst, name: string): BurstOutcome {
  const { bits } = burst;
  if (burst.noise) return { kind: 'bad', error: new HalError('BAD_FRAME', `${name}: noise on the data lines (D0 and D1 low together or an overlong burst) in a ${bits.length}-bit frame`) };
  if (bits.length === 4 || bits.length === 8) return interpretKey(bits, burst.timestamp, name);
  if (bits.length < MIN_FRAME_BITS) return { kind: 'noise', reason: `${bits.length}-bit burst ignored as line noise` };
  const result = decodeWiegand(bits);
  if (!result.ok) return { kind: 'bad', error: new HalError('BAD_FRAME', `${name}: ${result.reason}`) };
  const { format, bitLength, value, facility } = result.card;
  return { kind: 'read', read: { format, bitLength, value, facility, timestamp: burst.timestamp } };
}
