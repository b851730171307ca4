/**
 * Annotated Wiegand fixtures. Frames are written out by hand (wire order, parity
 * bits included) with the arithmetic in the note, so the decoder is checked
 * against numbers worked out independently of its own encoder.
 */
export interface FrameFixture {
  name: string;
  frame: string;
  expect: { format: string; bitLength: number; facility: number; value: string } | { error: RegExp };
}

export const FRAMES: FrameFixture[] = [
  {
    // data 00000001 0000000000000001; first 12 data bits hold one 1 → even parity 1;
    // last 12 hold one 1 (already odd) → odd parity 0. value = 1 × 65536 + 1.
    name: '26-bit FC 1 card 1',
    frame: '1' + '00000001' + '0000000000000001' + '0',
    expect: { format: 'wiegand26', bitLength: 24, facility: 1, value: '65537' },
  },
  {
    // FC 123 = 01111011, card 4567 = 0001000111010111. First 12 data bits: 7 ones → even
    // parity 1. Last 12: 000111010111 = 7 ones → odd parity 0. value = 123 × 65536 + 4567.
    name: '26-bit FC 123 card 4567',
    frame: '1' + '01111011' + '0001000111010111' + '0',
    expect: { format: 'wiegand26', bitLength: 24, facility: 123, value: '8065495' },
  },
  {
    // FC 1000 = 0000001111101000 (6 ones → even parity 0), card 50000 = 1100001101010000
    // (6 ones → odd parity 1). value = 1000 × 65536 + 50000.
    name: '34-bit FC 1000 card 50000',
    frame: '0' + '0000001111101000' + '1100001101010000' + '1',
    expect: { format: 'wiegand34', bitLength: 32, facility: 1000, value: '65586000' },
  },
  {
    // H10304: FC 4660 = 0001001000110100, card 300000 = 1001001001111100000 (19 bits).
    // Even parity over wire bits 1–18 (FC + "10"): 6 ones → 0. Odd parity over wire bits
    // 18–35 (card bits 1–18 "001001001111100000"): 7 ones → 0. value = 4660 × 524288 + 300000.
    name: '37-bit H10304 FC 4660 card 300000',
    frame: '0' + '0001001000110100' + '1001001001111100000' + '0',
    expect: { format: 'wiegand37', bitLength: 35, facility: 4660, value: '2443482080' },
  },
  {
    name: '26-bit with the leading even parity bit wrong',
    frame: '0' + '01111011' + '0001000111010111' + '0',
    expect: { error: /leading even parity fails/ },
  },
  {
    name: '26-bit with a card bit flipped in transit (breaks the trailing odd parity)',
    frame: '1' + '01111011' + '0001000111010110' + '0',
    expect: { error: /trailing odd parity fails/ },
  },
  {
    name: '37-bit with bit 18 flipped (covered by both parities)',
    frame: '0' + '0001001000110100' + '1101001001111100000' + '0',
    expect: { error: /parity fails/ },
  },
  {
    name: 'truncated: the first 20 bits of a 26-bit frame',
    frame: '10111101100010001110',
    expect: { error: /20-bit frame is not a supported length .*truncated/ },
  },
  {
    name: '35-bit (Corporate 1000) is not a supported layout',
    frame: '0'.repeat(35),
    expect: { error: /35-bit frame is not a supported length/ },
  },
];

/** One edge on the wire: time in µs, the line, the level after the edge. */
export type Edge = [timeUs: number, line: 'D0' | 'D1', level: 0 | 1];

export interface TrainFixture {
  name: string;
  note: string;
  edges: Edge[];
  /** What the reader reports, in order: a decimal value, or a BAD_FRAME message pattern. */
  expect: Array<string | RegExp>;
}

/** The pulses for a frame: each bit a 50 µs low pulse on D0 (0) or D1 (1), one every 2 ms. */
export function train(frame: string, startUs = 0, periodUs = 2_000, widthUs = 50): Edge[] {
  const edges: Edge[] = [];
  [...frame].forEach((bit, i) => {
    const line = bit === '1' ? 'D1' : 'D0';
    const t = startUs + i * periodUs;
    edges.push([t, line, 0], [t + widthUs, line, 1]);
  });
  return edges;
}

const CARD = FRAMES[1]?.frame as string; // 26-bit FC 123 card 4567

export const TRAINS: TrainFixture[] = [
  { name: 'clean 26-bit frame', note: '26 pulses 2 ms apart, then silence', edges: train(CARD), expect: ['8065495'] },
  { name: 'clean 37-bit frame', note: 'H10304 at the same pace', edges: train(FRAMES[3]?.frame as string), expect: ['2443482080'] },
  {
    name: 'two cards 100 ms apart',
    note: 'the 25 ms gap closes the first frame well before the second starts',
    edges: [...train(CARD), ...train(FRAMES[0]?.frame as string, 100_000)],
    expect: ['8065495', '65537'],
  },
  {
    name: 'parity error',
    note: 'the last card bit arrives as 0 (D0) instead of 1: trailing odd parity fails',
    edges: train(FRAMES[5]?.frame as string),
    expect: [/trailing odd parity fails/],
  },
  {
    name: 'truncated frame',
    note: 'the reader is unplugged after 20 bits; the gap ends a 20-bit frame',
    edges: train(CARD.slice(0, 20)),
    expect: [/20-bit frame .*truncated/],
  },
  {
    name: 'crosstalk noise',
    note: 'at bit 5 both lines go low together (D1 pulse overlapping a D0 pulse)',
    edges: [...train(CARD.slice(0, 5)), [10_000, 'D0', 0], [10_010, 'D1', 0], [10_050, 'D0', 1], [10_060, 'D1', 1], ...train(CARD.slice(6), 12_000)],
    expect: [/noise on the data lines/],
  },
  {
    name: 'power-up spike',
    note: 'a lone 1-bit glitch on D1 is line noise, dropped without an error; a real card follows',
    edges: [[0, 'D1', 0], [20, 'D1', 1], ...train(CARD, 50_000)],
    expect: ['8065495'],
  },
  {
    name: 'pause inside a frame',
    note: 'a 30 ms stall after bit 13 splits the frame into two 13-bit bursts, both bad',
    edges: [...train(CARD.slice(0, 13)), ...train(CARD.slice(13), 13 * 2_000 + 30_000)],
    expect: [/13-bit frame/, /13-bit frame/],
  },
];
