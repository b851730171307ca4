import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import type { Display, DisplayState } from '../display.js';
import { closedError, HalError } from '../errors.js';
import { checkDisplayState } from '../sim/display.js';
import { Framebuffer } from './framebuffer.js';
import { layoutState } from './layout.js';

/** The few i2c-bus calls the driver makes (its promisified bus fits). */
export interface I2cBus {
  i2cWrite(address: number, length: number, buffer: Buffer): Promise<unknown>;
  close(): Promise<void>;
}

export type I2cOpener = (busNumber: number) => Promise<I2cBus>;

/** The real I2C layer: i2c-bus (native) on /dev/i2c-N, loaded on first use. */
export const i2cBusOpener: I2cOpener = (busNumber) => {
  const i2c = createRequire(import.meta.url)('i2c-bus') as { openPromisified(n: number): Promise<I2cBus> };
  return i2c.openPromisified(busNumber);
};

export interface Ssd1306Options {
  /** I2C bus number: 1 for /dev/i2c-1 (Pi header pins 3/5), 7 on the Orin Nano header. */
  bus: number;
  /** 7-bit address, 0x3C (or 0x3D when the module's address pad is bridged). Default 0x3C. */
  address?: number;
  /** Turns the picture upside down for modules mounted the other way. Default false. */
  rotate180?: boolean;
  /** 0–255. Default 0xCF. */
  contrast?: number;
  /** Largest data write in one I2C transaction (a control byte is added). Default 128: one page. */
  chunkBytes?: number;
  open?: I2cOpener;
  name?: string;
  logger?: Pick<Logger, 'debug' | 'warn'>;
}

const CONTROL_COMMAND = 0x00;
const CONTROL_DATA = 0x40;
const BLANK: DisplayState = Object.freeze({ mode: 'idle', title: '' });
const PAGES = 8;
const WIDTH = 128;

/** Power-up sequence for a 128×64 panel with the internal charge pump (SSD1306 datasheet, application note). */
export function initSequence(options: { rotate180?: boolean; contrast?: number } = {}): number[] {
  const flip = options.rotate180 ?? false;
  return [
    0xae, // display off
    0xd5, 0x80, // clock divide / oscillator
    0xa8, 0x3f, // multiplex 64
    0xd3, 0x00, // no display offset
    0x40, // start line 0
    0x8d, 0x14, // charge pump on
    0x20, 0x00, // horizontal addressing
    flip ? 0xa0 : 0xa1, // segment remap
    flip ? 0xc0 : 0xc8, // COM scan direction
    0xda, 0x12, // COM pins: alternative, no remap
    0x81, options.contrast ?? 0xcf, // contrast
    0xd9, 0xf1, // pre-charge
    0xdb, 0x40, // VCOMH deselect level
    0xa4, // display follows RAM
    0xa6, // normal (not inverted)
    0x2e, // scrolling off
    0xaf, // display on
  ];
}

/**
 * A 128×64 SSD1306 OLED on I2C. The bus opens and the panel initialises on the
 * first render (so opening a board never waits on I2C). Each render lays the
 * state out (text lines, optional QR code) and sends only the pages that changed.
 * An I2C failure rejects with DEVICE_IO, keeps `current` as it was and makes the
 * next render start with a full initialisation (the panel may have lost power).
 */
export class Ssd1306Display implements Display {
  readonly name: string;
  private readonly options: Ssd1306Options;
  private readonly address: number;
  private bus: I2cBus | null = null;
  private shown: DisplayState = BLANK;
  /** What the panel's RAM holds, when known. */
  private onPanel: Framebuffer | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(options: Ssd1306Options) {
    if (!(Number.isInteger(options.bus) && options.bus >= 0)) throw new TypeError(`SSD1306: bus must be an integer >= 0, got ${options.bus}`);
    this.options = options;
    this.address = options.address ?? 0x3c;
    this.name = options.name ?? `SSD1306 i2c-${options.bus}@0x${this.address.toString(16)}`;
  }

  get current(): DisplayState {
    return this.shown;
  }

  render(state: DisplayState): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this.name));
    let checked: DisplayState;
    try {
      checked = checkDisplayState(state);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.enqueue(async () => {
      if (this.closed) throw closedError(this.name);
      const { fb, qrDropped } = layoutState(checked);
      if (qrDropped) this.options.logger?.warn({}, `${this.name}: ${qrDropped}; QR code not shown`);
      await this.show(fb);
      this.shown = checked;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.enqueue(async () => {
      this.shown = BLANK;
      if (!this.bus) return;
      try {
        await this.show(new Framebuffer());
        await this.command([0xae]);
      } catch (err) {
        this.options.logger?.warn({ err }, `${this.name}: could not blank the panel while closing`);
      }
      await this.bus.close().catch(() => {});
      this.bus = null;
    });
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.chain.then(step);
    this.chain = run.catch(() => {});
    return run;
  }

  private async show(fb: Framebuffer): Promise<void> {
    try {
      if (!this.bus) {
        this.bus = await (this.options.open ?? i2cBusOpener)(this.options.bus);
        this.onPanel = null;
      }
      if (!this.onPanel) {
        await this.command(initSequence(this.options));
      }
      for (let page = 0; page < PAGES; page++) {
        const next = fb.page(page);
        const old = this.onPanel?.page(page);
        if (old && Buffer.compare(Buffer.from(old), Buffer.from(next)) === 0) continue;
        await this.command([0x21, 0, WIDTH - 1, 0x22, page, page]);
        await this.data(next);
      }
      this.onPanel = fb;
    } catch (cause) {
      this.onPanel = null; // unknown state: initialise and redraw everything next time
      if (cause instanceof HalError) throw cause;
      throw new HalError('DEVICE_IO', `${this.name}: ${(cause as Error).message}`, { cause });
    }
  }

  private async command(bytes: number[]): Promise<void> {
    const buf = Buffer.from([CONTROL_COMMAND, ...bytes]);
    await (this.bus as I2cBus).i2cWrite(this.address, buf.length, buf);
  }

  private async data(bytes: Uint8Array): Promise<void> {
    const chunk = this.options.chunkBytes ?? 128;
    for (let i = 0; i < bytes.length; i += chunk) {
      const part = bytes.subarray(i, i + chunk);
      const buf = Buffer.concat([Buffer.from([CONTROL_DATA]), part]);
      await (this.bus as I2cBus).i2cWrite(this.address, buf.length, buf);
    }
  }
}
