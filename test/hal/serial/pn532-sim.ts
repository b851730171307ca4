import type { SerialPort } from 'serialport';
import { ACK, encodeFrame, PN532_TO_HOST, Pn532Parser } from '../../../hal/serial/pn532/frame.js';
import { openPort, closePort } from './pty.js';

/**
 * A simulated PN532 on the far end of a pty: ACKs every command and answers
 * SAMConfiguration, RFConfiguration, GetFirmwareVersion and InListPassiveTarget.
 * The ACK and the response go out in one write, as a fast chip's bytes arrive.
 */
export class Pn532Sim {
  /** Command codes received, in order. */
  readonly commands: number[] = [];
  sawWakeUp = false;
  /** While true the chip ignores everything (powered down, unplugged antenna board). */
  silent = false;
  private uid: Uint8Array | null = null;
  private corruptNext = false;
  private readonly parser = new Pn532Parser();
  private closed = false;

  private constructor(private readonly port: SerialPort) {
    port.on('data', (chunk: Buffer) => this.data(chunk));
  }

  static async open(path: string): Promise<Pn532Sim> {
    return new Pn532Sim(await openPort(path, 115_200));
  }

  /** Puts a card in the field; it stays until `remove` or another `present`. */
  present(uid: Uint8Array): void {
    this.uid = uid;
  }

  remove(): void {
    this.uid = null;
  }

  /** The next response goes out with a wrong data checksum. */
  corruptNextResponse(): void {
    this.corruptNext = true;
  }

  async close(): Promise<void> {
    this.closed = true;
    await closePort(this.port);
  }

  private data(chunk: Buffer): void {
    if (this.silent || this.closed) return;
    if (chunk[0] === 0x55 && chunk[1] === 0x55) this.sawWakeUp = true;
    for (const event of this.parser.push(chunk)) {
      if (event.kind !== 'frame') continue;
      const code = event.data[0] as number;
      this.commands.push(code);
      const response = this.respond(code);
      const frame = encodeFrame(PN532_TO_HOST, response);
      if (this.corruptNext) {
        this.corruptNext = false;
        frame.writeUInt8((frame.at(-2) ?? 0) ^ 0x5a, frame.length - 2); // DCS
      }
      this.port.write(Buffer.concat([ACK, frame]));
    }
  }

  private respond(code: number): Uint8Array {
    switch (code) {
      case 0x02:
        return Uint8Array.from([0x03, 0x32, 0x01, 0x06, 0x07]);
      case 0x4a:
        return this.uid ? Uint8Array.from([0x4b, 0x01, 0x01, 0x00, 0x04, 0x08, this.uid.length, ...this.uid]) : Uint8Array.from([0x4b, 0x00]);
      default:
        return Uint8Array.from([code + 1]);
    }
  }
}
