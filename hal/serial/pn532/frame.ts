/**
 * PN532 frames (NXP PN532 user manual §6.2), used over HSU (UART, 115200 8N1):
 *
 *   normal: 00 00 FF | LEN | LCS | TFI | PD0 … PDn | DCS | 00
 *   ACK:    00 00 FF 00 FF 00        NACK: 00 00 FF FF 00 00
 *   error:  00 00 FF 01 FF 7F 81 00  (application-level syntax error)
 *
 * LEN counts TFI and the data; LEN + LCS ≡ 0 and TFI + ΣPD + DCS ≡ 0 (mod 256).
 * TFI is D4 from the host and D5 from the PN532.
 */
export const HOST_TO_PN532 = 0xd4;
export const PN532_TO_HOST = 0xd5;
export const ACK = Buffer.from([0x00, 0x00, 0xff, 0x00, 0xff, 0x00]);
export const NACK = Buffer.from([0x00, 0x00, 0xff, 0xff, 0x00, 0x00]);
/** HSU wake-up: 0x55 0x55 then zeros long enough for the chip to leave power-down. */
export const WAKE_UP = Buffer.from([0x55, 0x55, ...new Array<number>(14).fill(0)]);

export function encodeFrame(tfi: number, data: Uint8Array): Buffer {
  const len = data.length + 1;
  if (len > 255) throw new TypeError(`PN532 frame data too long (${data.length} bytes; extended frames are not used)`);
  let sum = tfi;
  for (const b of data) sum += b;
  return Buffer.from([0x00, 0x00, 0xff, len, (0x100 - len) & 0xff, tfi, ...data, (0x100 - (sum & 0xff)) & 0xff, 0x00]);
}

export type Pn532Event =
  | { kind: 'ack' }
  | { kind: 'nack' }
  | { kind: 'syntax-error' }
  /** TFI and data (data[0] is the command or response code). */
  | { kind: 'frame'; tfi: number; data: Buffer }
  | { kind: 'bad'; reason: string };

/**
 * Incremental PN532 frame parser. Bytes before a start code (preamble, the host's
 * 0x55 wake-up bytes, line noise) are skipped; a frame whose checksums fail comes
 * out as `bad` and the parser resynchronises after its start code.
 */
export class Pn532Parser {
  private buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Pn532Event[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const events: Pn532Event[] = [];
    for (;;) {
      const start = findStart(this.buffer);
      if (start < 0) {
        // keep a trailing 00 that may begin the next start code
        this.buffer = this.buffer.subarray(this.buffer.length > 0 && this.buffer[this.buffer.length - 1] === 0 ? this.buffer.length - 1 : this.buffer.length);
        return events;
      }
      const b = this.buffer.subarray(start);
      if (b.length < 4) {
        this.buffer = b;
        return events;
      }
      const len = b[2] as number;
      const lcs = b[3] as number;
      if (len === 0x00 && lcs === 0xff) {
        events.push({ kind: 'ack' });
        this.buffer = b.subarray(4);
        continue;
      }
      if (len === 0xff && lcs === 0x00) {
        events.push({ kind: 'nack' });
        this.buffer = b.subarray(4);
        continue;
      }
      if (len === 0xff && lcs === 0xff) {
        events.push({ kind: 'bad', reason: 'extended information frame (not used by this driver)' });
        this.buffer = b.subarray(2);
        continue;
      }
      if (((len + lcs) & 0xff) !== 0) {
        events.push({ kind: 'bad', reason: `length checksum fails (LEN ${len}, LCS ${lcs})` });
        this.buffer = b.subarray(2);
        continue;
      }
      if (b.length < 4 + len + 1) {
        this.buffer = b;
        return events;
      }
      const body = b.subarray(4, 4 + len);
      const dcs = b[4 + len] as number;
      this.buffer = b.subarray(4 + len + 1);
      let sum = dcs;
      for (const x of body) sum += x;
      if ((sum & 0xff) !== 0) {
        events.push({ kind: 'bad', reason: 'data checksum fails' });
        continue;
      }
      if (len === 1 && body[0] === 0x7f) {
        events.push({ kind: 'syntax-error' });
        continue;
      }
      events.push({ kind: 'frame', tfi: body[0] as number, data: Buffer.from(body.subarray(1)) });
    }
  }
}

/** Offset of the 00 FF start code (pointing at the 00), or -1. */
function findStart(b: Buffer): number {
  for (let i = 0; i + 1 < b.length; i++) if (b[i] === 0x00 && b[i + 1] === 0xff) return i;
  return -1;
}
