import { HalError } from '../errors.js';
import type { CardRead } from '../reader.js';
import type { WiegandBurst } from './assembler.js';
import { decodeWiegand } from './decode.js';

/** Bursts shorter than this are line noise (a spike when a reader powers up), not frames. */
export const MIN_FRAME_BITS = 8;

export type BurstOutcome = { kind: 'read'; read: CardRead } | { kind: 'bad'; error: HalError } | { kind: 'noise'; reason: string };

/** Decides what a burst is: a card read, a bad frame (parity, length, crosstalk) or ignorable noise. */
export function interpretBurst(burst: WiegandBurst, name: string): BurstOutcome {
  const { bits } = burst;
  if (burst.noise) return { kind: 'bad', error: new HalError('BAD_FRAME', `${name}: noise on the data lines (D0 and D1 low together or an overlong burst) in a ${bits.length}-bit frame`) };
  if (bits.length < MIN_FRAME_BITS) return { kind: 'noise', reason: `${bits.length}-bit burst ignored as line noise` };
  const result = decodeWiegand(bits);
  if (!result.ok) return { kind: 'bad', error: new HalError('BAD_FRAME', `${name}: ${result.reason}`) };
  const { format, bitLength, value, facility } = result.card;
  return { kind: 'read', read: { format, bitLength, value, facility, timestamp: burst.timestamp } };
}
