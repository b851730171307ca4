import type { I2cBus, I2cOpener } from '../../../hal/display/ssd1306.js';

/** Argument counts of the SSD1306 commands the driver may send. */
const ARGS: Record<number, number> = { 0x81: 1, 0x20: 1, 0x21: 2, 0x22: 2, 0xa8: 1, 0xd3: 1, 0xd5: 1, 0xd9: 1, 0xda: 1, 0xdb: 1, 0x8d: 1 };

/**
 * A fake I2C bus with an SSD1306 on it: records every write and plays it on a
 * model of the controller (command stream, horizontal addressing window, 1 KB of
 * display RAM), so tests see what the panel would show.
 */
export class FakeSsd1306Bus implements I2cBus {
  readonly writes: Array<{ address: number; bytes: Buffer }> = [];
  readonly ram = new Uint8Array(1024);
  displayOn = false;
  initialised = false;
  opened = 0;
  closed = false;
  /** Makes the next write fail, as a panel that lost power does. */
  failNext = false;
  private col = 0;
  private page = 0;
  private window = { c0: 0, c1: 127, p0: 0, p1: 7 };

  constructor(readonly address = 0x3c) {}

  readonly opener: I2cOpener = async (bus) => {
    if (bus !== 1) throw new Error(`ENOENT: /dev/i2c-${bus}`);
    this.opened++;
    this.closed = false;
    return this;
  };

  async i2cWrite(address: number, length: number, buffer: Buffer): Promise<unknown> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('EREMOTEIO: remote I/O error');
    }
    if (address !== this.address) throw new Error(`EREMOTEIO: nothing at 0x${address.toString(16)}`);
    const bytes = Buffer.from(buffer.subarray(0, length));
    this.writes.push({ address, bytes });
    if (bytes[0] === 0x00) this.commands([...bytes.subarray(1)]);
    else if (bytes[0] === 0x40) for (const b of bytes.subarray(1)) this.data(b);
    else throw new Error(`unknown control byte ${bytes[0]}`);
    return { bytesWritten: length, buffer };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** True when nothing is lit: display off or RAM all dark. */
  isBlank(): boolean {
    return !this.displayOn || this.ram.every((b) => b === 0);
  }

  /** The RAM as '#'/'.' text, one line per pixel row (the golden file format). */
  toText(): string {
    const rows: string[] = [];
    for (let y = 0; y < 64; y++) {
      let row = '';
      for (let x = 0; x < 128; x++) row += ((this.ram[(y >> 3) * 128 + x] as number) >> (y & 7)) & 1 ? '#' : '.';
      rows.push(row);
    }
    return `${rows.join('\n')}\n`;
  }

  private commands(list: number[]): void {
    for (let i = 0; i < list.length; ) {
      const cmd = list[i] as number;
      const args = list.slice(i + 1, i + 1 + (ARGS[cmd] ?? 0));
      i += 1 + (ARGS[cmd] ?? 0);
      if (cmd === 0xae) this.displayOn = false;
      else if (cmd === 0xaf) {
        this.displayOn = true;
        this.initialised = true;
      } else if (cmd === 0x21) {
        this.window.c0 = args[0] ?? 0;
        this.window.c1 = args[1] ?? 127;
        this.col = this.window.c0;
      } else if (cmd === 0x22) {
        this.window.p0 = args[0] ?? 0;
        this.window.p1 = args[1] ?? 7;
        this.page = this.window.p0;
      }
    }
  }

  private data(byte: number): void {
    this.ram[this.page * 128 + this.col] = byte;
    if (++this.col > this.window.c1) {
      this.col = this.window.c0;
      if (++this.page > this.window.p1) this.page = this.window.p0;
    }
  }
}
