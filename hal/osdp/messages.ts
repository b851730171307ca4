/** Payloads of the OSDP commands and replies this control panel uses (pure). */
import type { KeypadKey } from '../reader.js';


export type OsdpColor = 'off' | 'red' | 'green' | 'amber' | 'blue' | 'magenta' | 'cyan' | 'white';
export const COLOR_CODES: Record<OsdpColor, number> = { off: 0, red: 1, green: 2, amber: 3, blue: 4, magenta: 5, cyan: 6, white: 7 };

export interface LedCommand {
  /** Reader number on the PD. Default 0. */
  reader?: number;
  /** LED number on the reader. Default 0. */
  led?: number;
  /** Permanent state: steady `color`, or dark when color is 'off'. */
  color: OsdpColor;
}

/**
 * osdp_LED record (14 bytes): reader, LED, temporary settings (control code 0 =
 * leave them alone, on/off time, on/off colour, timer), then permanent settings
 * (control code 1 = set, on time, off time, on colour, off colour). Steady on is
 * on time 1, off time 0 in the colour; dark is on time 0, off time 1 with the off
 * colour black. On and off time both zero is no state at all: conforming PDs
 * (libosdp) refuse it.
 */
export function ledRecord(cmd: LedCommand): Uint8Array {
  const color = COLOR_CODES[cmd.color];
  if (color === undefined) throw new TypeError(`unknown OSDP LED colour ${String(cmd.color)}`);
  const [onTime, offTime] = color === 0 ? [0, 1] : [1, 0];
  return Uint8Array.from([cmd.reader ?? 0, cmd.led ?? 0, 0, 0, 0, 0, 0, 0, 0, 1, onTime, offTime, color, 0]);
}

export interface BuzzerCommand {
  reader?: number;
  /** true: sound until told otherwise; false: silence. */
  on: boolean;
}

/** osdp_BUZ: reader, tone (1 = off, 2 = default tone), on time, off time (×100 ms), count (0 = until the next command). */
export function buzzerRecord(cmd: BuzzerCommand): Uint8Array {
  return Uint8Array.from(cmd.on ? [cmd.reader ?? 0, 2, 1, 0, 0] : [cmd.reader ?? 0, 1, 0, 0, 0]);
}

export interface RawCard {
  reader: number;
  /** 0 = raw bits, 1 = Wiegand with parity (P/data/P). */
  formatCode: number;
  bitLength: number;
  /** The bits read as one unsigned number. */
  value: bigint;
}

/** osdp_RAW: reader, format code, bit count (LSB first), data bits packed MSB first. */
export function parseRaw(data: Uint8Array): RawCard | { error: string } {
  if (data.length < 4) return { error: `osdp_RAW of ${data.length} bytes is too short` };
  const bitLength = (data[2] as number) | ((data[3] as number) << 8);
  const bytes = data.subarray(4);
  if (bitLength === 0 || bitLength > 1024) return { error: `osdp_RAW bit count ${bitLength} out of range` };
  if (bytes.length !== Math.ceil(bitLength / 8)) return { error: `osdp_RAW carries ${bytes.length} bytes for ${bitLength} bits` };
  const all = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
  return { reader: data[0] as number, formatCode: data[1] as number, bitLength, value: all >> BigInt(bytes.length * 8 - bitLength) };
}

export function encodeRaw(card: RawCard): Uint8Array {
  const nbytes = Math.ceil(card.bitLength / 8);
  const shifted = card.value << BigInt(nbytes * 8 - card.bitLength);
  const bytes = Buffer.from(shifted.toString(16).padStart(nbytes * 2, '0'), 'hex');
  return Uint8Array.from([card.reader, card.formatCode, card.bitLength & 0xff, card.bitLength >> 8, ...bytes]);
}

export interface KeypadEntry {
  reader: number;
  keys: KeypadKey[];
}

/** Key codes of osdp_KEYPAD: ASCII digits, '*' as 0x7F and '#' as 0x0D (SIA OSDP 2.2); readers that send '*' / '#' as printed are understood too. */
const KEY_CODES: Record<number, KeypadKey> = { 0x7f: '*', 0x0d: '#', 0x2a: '*', 0x23: '#' };
for (let d = 0; d <= 9; d++) KEY_CODES[0x30 + d] = String(d) as KeypadKey;

/** osdp_KEYPAD: reader, key count, one byte per key. */
export function parseKeypad(data: Uint8Array): KeypadEntry | { error: string } {
  if (data.length < 2) return { error: `osdp_KEYPAD of ${data.length} bytes is too short` };
  const count = data[1] as number;
  if (data.length !== 2 + count) return { error: `osdp_KEYPAD says ${count} keys and carries ${data.length - 2}` };
  const keys: KeypadKey[] = [];
  for (const code of data.subarray(2)) {
    const key = KEY_CODES[code];
    if (key === undefined) return { error: `osdp_KEYPAD key 0x${code.toString(16).padStart(2, '0')} is not a digit, * or #` };
    keys.push(key);
  }
  return { reader: data[0] as number, keys };
}

/** The osdp_KEYPAD a reader sends for `keys` (for simulated readers). */
export function encodeKeypad(reader: number, keys: readonly KeypadKey[]): Uint8Array {
  const codes = keys.map((k) => (k === '*' ? 0x7f : k === '#' ? 0x0d : 0x30 + Number(k)));
  return Uint8Array.from([reader, codes.length, ...codes]);
}

export interface PdId {
  vendor: number;
  model: number;
  version: number;
  serial: number;
  firmware: string;
}

/** osdp_PDID: vendor code (3, LSB first), model, version, serial (4, LSB first), firmware major, minor, build. */
export function parsePdId(data: Uint8Array): PdId | null {
  if (data.length !== 12) return null;
  const b = Buffer.from(data);
  return { vendor: b.readUIntLE(0, 3), model: b[3] as number, version: b[4] as number, serial: b.readUInt32LE(5), firmware: `${b[9]}.${b[10]}.${b[11]}` };
}

export interface PdCapability {
  function: number;
  compliance: number;
  items: number;
}

/** osdp_PDCAP: (function code, compliance, number of items) triples. Function 9 = communication security. */
export function parsePdCap(data: Uint8Array): PdCapability[] | null {
  if (data.length % 3 !== 0) return null;
  const caps: PdCapability[] = [];
  for (let i = 0; i < data.length; i += 3) caps.push({ function: data[i] as number, compliance: data[i + 1] as number, items: data[i + 2] as number });
  return caps;
}

/** osdp_KEYSET: key type 1 (SCBK), length 16, the key. */
export function keysetData(scbk: Uint8Array): Uint8Array {
  if (scbk.length !== 16) throw new TypeError('SCBK must be 16 bytes');
  return Uint8Array.from([0x01, 16, ...scbk]);
}
