import { HalError } from '../errors.js';
import { SerialCardReader, type SerialCardReaderOptions } from './card-reader.js';
import { RepeatFilter } from './repeat-filter.js';

/**
 * RDM6300 (and ID-12/ID-20 style) 125 kHz EM4100 frames, 9600 8N1:
 *
 *   02 | 10 ASCII hex: version byte + 4-byte tag id | 2 ASCII hex: XOR of those 5 bytes | [0D 0A] | 03
 *
 * RDM6300 sends 14 bytes; ID-12 style readers add CR LF before ETX (16 bytes).
 */
export type Rdm6300Event = { kind: 'tag'; tag: Uint8Array } | { kind: 'bad'; reason: string };

const STX = 0x02;
const ETX = 0x03;
const HEX = /^[0-9A-Fa-f]+$/;

/** Incremental framer: feed chunks as they arrive, get tags and bad frames out. Bytes outside frames are skipped. */
export class Rdm6300Parser {
  private buffer: number[] = [];

  push(chunk: Uint8Array): Rdm6300Event[] {
    const events: Rdm6300Event[] = [];
    for (const byte of chunk) this.buffer.push(byte);
    for (;;) {
      const start = this.buffer.indexOf(STX);
      if (start < 0) {
        this.buffer = [];
        return events;
      }
      if (start > 0) this.buffer.splice(0, start);
      // a new STX inside the 12 payload characters means the previous frame was cut short
      const restart = this.buffer.indexOf(STX, 1);
      if (restart > 0 && restart <= 12) {
        events.push({ kind: 'bad', reason: `truncated frame (${restart - 1} of 12 characters)` });
        this.buffer.splice(0, restart);
        continue;
      }
      if (this.buffer.length < 14) return events;
      let length = 14;
      if (this.buffer[13] !== ETX) {
        if (this.buffer[13] === 0x0d && this.buffer[14] === undefined) return events;
        if (this.buffer[13] === 0x0d && this.buffer[14] === 0x0a) {
          if (this.buffer.length < 16) return events;
          length = 16;
        }
      }
      if (this.buffer[length - 1] !== ETX) {
        events.push({ kind: 'bad', reason: 'frame without ETX' });
        this.buffer.splice(0, 1);
        continue;
      }
      const frame = this.buffer.splice(0, length);
      events.push(parsePayload(String.fromCharCode(...frame.slice(1, 13))));
    }
  }
}

/** Checks the 12 ASCII characters between STX and ETX (or CR LF ETX). */
export function parsePayload(text: string): Rdm6300Event {
  if (text.length !== 12 || !HEX.test(text)) return { kind: 'bad', reason: `non-hex characters in frame ${JSON.stringify(text)}` };
  const bytes = Buffer.from(text, 'hex');
  const tag = bytes.subarray(0, 5);
  const sum = tag.reduce((x, b) => x ^ b, 0);
  if (sum !== bytes[5]) return { kind: 'bad', reason: `checksum ${hex(bytes[5] ?? 0)} does not match ${hex(sum)}` };
  return { kind: 'tag', tag: new Uint8Array(tag) };
}

/** The frame an RDM6300 sends for a 40-bit tag number (simulators, fixtures). */
export function encodeRdm6300(tag: bigint): Buffer {
  if (tag < 0n || tag >= 1n << 40n) throw new TypeError(`EM4100 tag ${tag} does not fit 40 bits`);
  const bytes = Buffer.from(tag.toString(16).padStart(10, '0'), 'hex');
  const sum = bytes.reduce((x, b) => x ^ b, 0);
  return Buffer.concat([Buffer.from([STX]), Buffer.from(`${bytes.toString('hex')}${hex(sum)}`.toUpperCase(), 'latin1'), Buffer.from([ETX])]);
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0').toUpperCase();
}

export interface Rdm6300ReaderOptions extends SerialCardReaderOptions {
  /** Default 9600. */
  baudRate?: number;
  /** The reader repeats a tag while it stays in the field; repeats this close together are one read. Default 1000 ms. */
  repeatMs?: number;
}

/** An RDM6300 / EM4100 125 kHz reader on a serial port; reads are `em4100`, 40 bits. */
export class Rdm6300Reader extends SerialCardReader {
  private readonly parser = new Rdm6300Parser();
  private readonly repeats: RepeatFilter;

  constructor(options: Rdm6300ReaderOptions) {
    super(options, { name: `RDM6300 ${options.path}`, baudRate: 9600 });
    this.repeats = new RepeatFilter(options.clock, options.repeatMs ?? 1_000);
  }

  protected data(chunk: Buffer): void {
    for (const event of this.parser.push(chunk)) {
      if (event.kind === 'bad') {
        this.errors.emit(new HalError('BAD_FRAME', `${this.name}: ${event.reason}`));
        continue;
      }
      const value = BigInt(`0x${Buffer.from(event.tag).toString('hex')}`).toString();
      if (this.repeats.admit(value)) this.reads.emit({ format: 'em4100', bitLength: 40, value, timestamp: this.clock.now() });
    }
  }
}
