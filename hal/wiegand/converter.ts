/**
 * Lines from a Wiegand-to-serial converter, one frame per line, parity bits
 * included so they are checked here. Two line formats are understood:
 * - bits: the frame as ASCII 0/1 in wire order, e.g. `10000000100000000000000010`;
 * - count:hex: bit count, a colon and the frame as hex, right-aligned, e.g. `26:2020002`.
 * Converters that print only a decoded card number drop the parity bits and
 * cannot be checked; they are not supported.
 */
export type ConverterLine = { kind: 'frame'; bits: number[] } | { kind: 'empty' } | { kind: 'bad'; reason: string };

const MAX_BITS = 64;

export function parseConverterLine(line: string): ConverterLine {
  const text = line.trim();
  if (text === '') return { kind: 'empty' };
  if (/^[01]+$/.test(text)) {
    if (text.length > MAX_BITS) return { kind: 'bad', reason: `${text.length}-bit frame is too long` };
    return { kind: 'frame', bits: [...text].map(Number) };
  }
  const m = /^(\d{1,2}):([0-9A-Fa-f]{1,16})$/.exec(text);
  if (m) {
    const count = Number(m[1]);
    const value = BigInt(`0x${m[2]}`);
    if (count < 1 || count > MAX_BITS) return { kind: 'bad', reason: `bit count ${count} out of range` };
    if (value >> BigInt(count) !== 0n) return { kind: 'bad', reason: `hex ${m[2]} has more than ${count} bits` };
    return { kind: 'frame', bits: [...value.toString(2).padStart(count, '0')].map(Number) };
  }
  const shown = text.length > 40 ? `${text.slice(0, 37)}...` : text;
  return { kind: 'bad', reason: `unrecognised converter line ${JSON.stringify(shown)}` };
}

/** The `count:hex` line for a frame (what a converter sends; used by simulators). */
export function formatConverterLine(bits: readonly number[]): string {
  const hex = BigInt(`0b${bits.join('') || '0'}`).toString(16).toUpperCase();
  return `${bits.length}:${hex.padStart(Math.ceil(bits.length / 4), '0')}`;
}
