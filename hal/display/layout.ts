import qrcode from 'qrcode-generator';
import type { DisplayState } from '../display.js';
import { CHAR_HEIGHT, CHAR_WIDTH, drawText, Framebuffer } from './framebuffer.js';

/**
 * Lays a DisplayState out on a 128×64 monochrome screen (pure):
 * - the title in double size when it fits on one line, else wrapped at normal size;
 * - the detail wrapped below it;
 * - 'denied' and 'alert' draw the title inverted (lit band, dark letters);
 * - a QR payload takes the right-hand 64×64 square, dark modules on a lit field
 *   with a quiet zone (scanners expect dark on light), text moves to the left half.
 * Characters outside the font draw as '?'.
 */
export interface LayoutResult {
  fb: Framebuffer;
  /** Set when the QR payload does not fit the square at a readable module size. */
  qrDropped?: string;
}

const WIDTH = 128;
const HEIGHT = 64;
const QR_SIZE = 64;
const QUIET = 2;
const LINE = CHAR_HEIGHT + 1;

export function layoutState(state: DisplayState): LayoutResult {
  const fb = new Framebuffer(WIDTH, HEIGHT);
  let textWidth = WIDTH;
  let qrDropped: string | undefined;
  if (state.qr !== undefined && state.qr !== '') {
    const drawn = drawQr(fb, state.qr, WIDTH - QR_SIZE, 0, QR_SIZE);
    if (drawn === true) textWidth = WIDTH - QR_SIZE - 2;
    else qrDropped = drawn;
  }
  const invert = state.mode === 'denied' || state.mode === 'alert';
  const cols = Math.floor((textWidth + 1) / CHAR_WIDTH);
  let y = 0;
  const title = state.title.replace(/\s+/g, ' ').trim();
  if (title !== '') {
    const big = title.length * CHAR_WIDTH * 2 - 2 <= textWidth;
    const lines = big ? [title] : wrap(title, cols, 3);
    const scale = big ? 2 : 1;
    const bandHeight = big ? CHAR_HEIGHT * 2 + 3 : lines.length * LINE + 2;
    if (invert) fb.fillRect(0, 0, textWidth, bandHeight, true);
    lines.forEach((line, i) => drawText(fb, 1, 1 + i * LINE * scale, line, { scale, on: !invert }));
    y = bandHeight + 2;
  }
  const detail = (state.detail ?? '').replace(/\s+/g, ' ').trim();
  if (detail !== '') {
    const room = Math.max(0, Math.floor((HEIGHT - y + 1) / LINE));
    wrap(detail, cols, room).forEach((line, i) => drawText(fb, 1, y + i * LINE, line));
  }
  return qrDropped ? { fb, qrDropped } : { fb };
}

/** Word-wraps into at most `maxLines` lines of `cols` characters; an overflowing last line ends in '…' (as '.'). */
export function wrap(text: string, cols: number, maxLines: number): string[] {
  if (cols <= 0 || maxLines <= 0) return [];
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    let w = word;
    while (w.length > cols) {
      if (current) {
        lines.push(current);
        current = '';
      }
      lines.push(w.slice(0, cols));
      w = w.slice(cols);
    }
    if (!current) current = w;
    else if (current.length + 1 + w.length <= cols) current += ` ${w}`;
    else {
      lines.push(current);
      current = w;
    }
  }
  if (current) lines.push(current);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    const last = kept[maxLines - 1] as string;
    kept[maxLines - 1] = last.length >= cols ? `${last.slice(0, cols - 1)}.` : `${last}.`;
    return kept;
  }
  return lines;
}

/** Draws a QR code centred in a size×size square; returns true, or why it was left out. */
function drawQr(fb: Framebuffer, payload: string, x0: number, y0: number, size: number): true | string {
  let qr: ReturnType<typeof qrcode>;
  try {
    qr = qrcode(0, 'L');
    // UTF-8 bytes as a binary string: the library's default converter keeps the low byte of each char
    qr.addData(Buffer.from(payload, 'utf8').toString('latin1'), 'Byte');
    qr.make();
  } catch {
    return `QR payload of ${Buffer.byteLength(payload)} bytes is too long for a QR code`;
  }
  const modules = qr.getModuleCount();
  const scale = Math.floor(size / (modules + 2 * QUIET));
  if (scale < 1) return `QR payload of ${Buffer.byteLength(payload)} bytes needs ${modules} modules, more than ${size - 2 * QUIET} pixels`;
  const field = (modules + 2 * QUIET) * scale;
  const fx = x0 + Math.floor((size - field) / 2);
  const fy = y0 + Math.floor((size - field) / 2);
  fb.fillRect(fx, fy, field, field, true);
  for (let r = 0; r < modules; r++) {
    for (let c = 0; c < modules; c++) if (qr.isDark(r, c)) fb.fillRect(fx + (QUIET + c) * scale, fy + (QUIET + r) * scale, scale, scale, false);
  }
  return true;
}
