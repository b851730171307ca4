import { createRequire } from 'node:module';

/**
 * A 1-bit framebuffer laid out the way SSD1306-class controllers hold their RAM:
 * `height / 8` pages of `width` bytes, each byte a column of 8 pixels with the
 * least significant bit on top. The buffer can go to the display as it is.
 */
export class Framebuffer {
  readonly bytes: Uint8Array;

  constructor(
    readonly width = 128,
    readonly height = 64,
  ) {
    if (width <= 0 || height <= 0 || height % 8 !== 0) throw new TypeError(`framebuffer ${width}x${height}: height must be a multiple of 8`);
    this.bytes = new Uint8Array((width * height) / 8);
  }

  get(x: number, y: number): boolean {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return false;
    return ((this.bytes[(y >> 3) * this.width + x] as number) & (1 << (y & 7))) !== 0;
  }

  set(x: number, y: number, on: boolean): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y >> 3) * this.width + x;
    const bit = 1 << (y & 7);
    this.bytes[i] = on ? (this.bytes[i] as number) | bit : (this.bytes[i] as number) & ~bit;
  }

  fillRect(x: number, y: number, w: number, h: number, on: boolean): void {
    for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) this.set(xx, yy, on);
  }

  /** The page (8 rows) as the controller stores it. */
  page(index: number): Uint8Array {
    return this.bytes.subarray(index * this.width, (index + 1) * this.width);
  }

  /** '#' for lit pixels, '.' for dark ones: one text line per pixel row (golden files, debugging). */
  toText(): string {
    const rows: string[] = [];
    for (let y = 0; y < this.height; y++) {
      let row = '';
      for (let x = 0; x < this.width; x++) row += this.get(x, y) ? '#' : '.';
      rows.push(row);
    }
    return `${rows.join('\n')}\n`;
  }
}

interface FontData {
  width: number;
  height: number;
  fontData: number[];
  lookup: string[];
}

// oled-font-5x7 (MIT): 5 columns per glyph, LSB at the top, printable ASCII plus a few Latin-1 letters.
const FONT = createRequire(import.meta.url)('oled-font-5x7') as FontData;
const GLYPHS = new Map(FONT.lookup.map((ch, i) => [ch, i]));

/** Advance per character at scale 1: 5 pixel columns and 1 of spacing. */
export const CHAR_WIDTH = FONT.width + 1;
export const CHAR_HEIGHT = FONT.height;

/** Whether the font has a glyph for this character (others draw as '?'). */
export function hasGlyph(ch: string): boolean {
  return GLYPHS.has(ch);
}

/** Draws text with its top-left corner at (x, y); returns the x after the last character. */
export function drawText(fb: Framebuffer, x: number, y: number, text: string, options: { scale?: number; on?: boolean } = {}): number {
  const scale = options.scale ?? 1;
  const on = options.on ?? true;
  let cx = x;
  for (const ch of text) {
    const index = GLYPHS.get(ch) ?? (GLYPHS.get('?') as number);
    for (let col = 0; col < FONT.width; col++) {
      const bits = FONT.fontData[index * FONT.width + col] as number;
      for (let row = 0; row < FONT.height; row++) {
        if (bits & (1 << row)) fb.fillRect(cx + col * scale, y + row * scale, scale, scale, on);
      }
    }
    cx += CHAR_WIDTH * scale;
  }
  return cx;
}
