/**
 * Pure Wiegand frame decoding: 26-bit (H10301), 34-bit (H10306) and 37-bit
 * (H10304) frames with their two parity bits. A frame is the bit sequence in
 * wire order (first bit received first), parity bits included.
 *
 * Layouts (bit 0 = first on the wire):
 * - 26: bit 0 even parity over bits 1–12, bits 1–8 facility, 9–24 card, bit 25 odd parity over 13–24.
 * - 34: bit 0 even parity over bits 1–16, bits 1–16 facility, 17–32 card, bit 33 odd parity over 17–32.
 * - 37: bit 0 even parity over bits 1–18, bits 1–16 facility, 17–35 card, bit 36 odd parity over 18–35.
 * The value is the data bits between the parity bits read as one number
 * (facility × 2^cardBits + card), as hal/reader.ts defines for each format.
 */

export type WiegandFormat = 'wiegand26' | 'wiegand34' | 'wiegand37';

interface Layout {
  format: WiegandFormat;
  facilityBits: number;
  cardBits: number;
  /** Inclusive bit ranges the leading (even) and trailing (odd) parity bits cover. */
  even: [number, number];
  odd: [number, number];
}

const LAYOUTS: Record<number, Layout> = {
  26: { format: 'wiegand26', facilityBits: 8, cardBits: 16, even: [1, 12], odd: [13, 24] },
  34: { format: 'wiegand34', facilityBits: 16, cardBits: 16, even: [1, 16], odd: [17, 32] },
  37: { format: 'wiegand37', facilityBits: 16, cardBits: 19, even: [1, 18], odd: [18, 35] },
};

/** Frame lengths the decoder understands. */
export const WIEGAND_LENGTHS: readonly number[] = [26, 34, 37];

export interface WiegandCard {
  format: WiegandFormat;
  /** Data bits after the two parity bits are stripped. */
  bitLength: number;
  /** facility × 2^cardBits + card, in decimal. */
  value: string;
  facility: number;
  card: number;
}

export type WiegandDecodeResult = { ok: true; card: WiegandCard } | { ok: false; reason: string };

function ones(bits: readonly number[], [from, to]: [number, number]): number {
  let n = 0;
  for (let i = from; i <= to; i++) n += bits[i] as number;
  return n;
}

function number(bits: readonly number[], from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 2 + (bits[i] as number);
  return n;
}

/** Decodes one frame; every failure comes back as a reason, never as a throw. */
export function decodeWiegand(bits: readonly number[]): WiegandDecodeResult {
  if (!Array.isArray(bits) || bits.some((b) => b !== 0 && b !== 1)) return { ok: false, reason: 'frame bits must be 0 or 1' };
  const layout = LAYOUTS[bits.length];
  if (!layout) {
    const known = WIEGAND_LENGTHS.join(', ');
    const hint = bits.length < 26 ? ' (truncated?)' : '';
    return { ok: false, reason: `${bits.length}-bit frame is not a supported length (${known})${hint}` };
  }
  const last = bits.length - 1;
  if ((ones(bits, layout.even) + (bits[0] as number)) % 2 !== 0) return { ok: false, reason: `${layout.format}: leading even parity fails` };
  if ((ones(bits, layout.odd) + (bits[last] as number)) % 2 !== 1) return { ok: false, reason: `${layout.format}: trailing odd parity fails` };
  const facility = number(bits, 1, layout.facilityBits);
  const card = number(bits, 1 + layout.facilityBits, layout.cardBits);
  const value = BigInt(facility) * (1n << BigInt(layout.cardBits)) + BigInt(card);
  return { ok: true, card: { format: layout.format, bitLength: layout.facilityBits + layout.cardBits, value: value.toString(), facility, card } };
}

/**
 * Builds a valid frame for a facility and card number (for simulators, converters
 * under test and fixtures). Throws TypeError when they do not fit the format.
 */
export function encodeWiegand(format: WiegandFormat, facility: number, card: number): number[] {
  const layout = Object.values(LAYOUTS).find((l) => l.format === format);
  if (!layout) throw new TypeError(`unknown Wiegand format ${String(format)}`);
  const fits = (n: number, bits: number) => Number.isInteger(n) && n >= 0 && n < 2 ** bits;
  if (!fits(facility, layout.facilityBits)) throw new TypeError(`${format}: facility ${facility} does not fit ${layout.facilityBits} bits`);
  if (!fits(card, layout.cardBits)) throw new TypeError(`${format}: card ${card} does not fit ${layout.cardBits} bits`);
  const data = [...facility.toString(2).padStart(layout.facilityBits, '0'), ...card.toString(2).padStart(layout.cardBits, '0')].map(Number);
  const bits = [0, ...data, 0];
  bits[0] = ones(bits, layout.even) % 2;
  bits[bits.length - 1] = 1 - (ones(bits, layout.odd) % 2);
  return bits;
}

/** Splits a combined credential value (as CardRead.value holds it) into facility and card. */
export function splitWiegandValue(format: WiegandFormat, value: bigint): { facility: number; card: number } {
  const layout = Object.values(LAYOUTS).find((l) => l.format === format);
  if (!layout) throw new TypeError(`unknown Wiegand format ${String(format)}`);
  const cardBits = BigInt(layout.cardBits);
  return { facility: Number(value >> cardBits), card: Number(value & ((1n << cardBits) - 1n)) };
}
