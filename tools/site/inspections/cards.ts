/**
 * Printable unit cards: A4 sheets of 8 cards (2 × 4), each with the unit's QR code,
 * its address, the landlord and the responsible inspector's name and phone, drawn as
 * one SVG per sheet and rendered by sharp (librsvg + fontconfig: Chinese text needs a
 * CJK font such as fonts-wqy-microhei); the PDF is those sheets, one per A4 page.
 */
import qrcode from 'qrcode-generator';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';

export interface PrintedCard {
  /** What the QR code carries (`encodeUnitToken`). */
  token: string;
  label: string;
  address: string;
  landlord: string | null;
  landlordPhone: string | null;
  inspector: string | null;
  inspectorPhone: string | null;
}

export interface CardText {
  title: string;
  landlord: string;
  inspector: string;
  scan: string;
}

/** The card's printed words, in English and Chinese on the same card (tenants and inspectors read either). */
export const CARD_TEXT: CardText = { title: 'Rented room · 出租房屋', landlord: 'Landlord 房东', inspector: 'Inspector 巡查员', scan: 'Inspectors: scan at each visit · 巡查时请扫码' };

/** A4 at 200 dpi. */
export const SHEET = { width: 1654, height: 2339, columns: 2, rows: 4, margin: 60 } as const;
export const CARDS_PER_SHEET = SHEET.columns * SHEET.rows;
const CJK_FONTS = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Noto Sans SC', sans-serif";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Rough width in ems: CJK and full-width characters are one em, the rest about half. */
const ems = (s: string) => [...s].reduce((w, ch) => w + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 1 : 0.56), 0);

/** Wraps text to lines of at most `maxEms`, at most `maxLines` (the last one cut with an ellipsis). */
export function wrap(text: string, maxEms: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const ch of [...text]) {
    if (ems(line + ch) > maxEms) {
      lines.push(line);
      line = ch.trim() ? ch : '';
    } else line += ch;
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = kept[maxLines - 1]!.slice(0, -1) + '…';
    return kept;
  }
  return lines;
}

/** The QR code as an SVG path at (x, y), `size` px wide including a 4-module quiet zone. */
function qrPath(token: string, x: number, y: number, size: number): string {
  const qr = qrcode(0, 'M');
  qr.addData(token, 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  const m = Math.floor(size / (n + 8));
  const off = (size - n * m) / 2;
  let d = '';
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${x + off + c * m} ${y + off + r * m}h${m}v${m}h-${m}z`;
  return `<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="#fff"/><path d="${d}" fill="#000"/>`;
}

function cardSvg(card: PrintedCard, x: number, y: number, w: number, h: number, text: CardText): string {
  const qrSize = Math.min(h - 40, Math.round(w * 0.46));
  const tx = x + qrSize + 36;
  const tw = w - qrSize - 56;
  const fs = 24;
  const maxEms = tw / fs;
  const parts: string[] = [
    `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="18" fill="#fff" stroke="#1d2330" stroke-width="3" stroke-dasharray="14 8"/>`,
    qrPath(card.token, x + 20, y + (h - qrSize) / 2, qrSize),
  ];
  // `ty` is the top of the next line; a line's baseline sits one font size below it.
  let ty = y + 30;
  const line = (s: string, o: { size?: number; bold?: boolean; colour?: string } = {}) => {
    const size = o.size ?? fs;
    parts.push(`<text x="${tx}" y="${ty + size}" font-family="${CJK_FONTS}" font-size="${size}"${o.bold ? ' font-weight="bold"' : ''} fill="${o.colour ?? '#1d2330'}">${esc(s)}</text>`);
    ty += Math.round(size * 1.35);
  };
  line(text.title, { size: 20, colour: '#667085' });
  for (const l of wrap(card.label, tw / 40, 1)) line(l, { size: 40, bold: true });
  for (const l of wrap(card.address, maxEms, 3)) line(l);
  ty += 10;
  line(text.landlord, { size: 20, colour: '#667085' });
  for (const l of wrap([card.landlord ?? '—', card.landlordPhone].filter(Boolean).join('  '), maxEms, 2)) line(l);
  ty += 6;
  line(text.inspector, { size: 20, colour: '#667085' });
  for (const l of wrap([card.inspector ?? '—', card.inspectorPhone].filter(Boolean).join('  '), maxEms, 2)) line(l);
  const footer = wrap(text.scan, tw / 17, 2);
  ty = y + h - 24 - footer.length * 23;
  for (const l of footer) line(l, { size: 17, colour: '#667085' });
  return parts.join('');
}

/** One A4 sheet (up to 8 cards) as SVG. */
export function cardSheetSvg(cards: readonly PrintedCard[], text: CardText = CARD_TEXT): string {
  if (cards.length > CARDS_PER_SHEET) throw new RangeError(`a sheet holds ${CARDS_PER_SHEET} cards`);
  const { width, height, columns, rows, margin } = SHEET;
  const gap = 30;
  const w = (width - 2 * margin - (columns - 1) * gap) / columns;
  const h = (height - 2 * margin - (rows - 1) * gap) / rows;
  const body = cards.map((c, i) => cardSvg(c, margin + (i % columns) * (w + gap), margin + Math.floor(i / columns) * (h + gap), w, h, text)).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="#fff"/>${body}</svg>`;
}

/** Where card `i` of a sheet is, in sheet pixels (for cutting one out, e.g. to test its QR code). */
export function cardBox(i: number): { left: number; top: number; width: number; height: number } {
  const { width, height, columns, rows, margin } = SHEET;
  const gap = 30;
  const w = Math.floor((width - 2 * margin - (columns - 1) * gap) / columns);
  const h = Math.floor((height - 2 * margin - (rows - 1) * gap) / rows);
  return { left: Math.floor(margin + (i % columns) * (w + gap)), top: Math.floor(margin + Math.floor(i / columns) * (h + gap)), width: w, height: h };
}

/** The cards as PNG sheets, 8 to a sheet. */
export async function cardSheetsPng(cards: readonly PrintedCard[], text: CardText = CARD_TEXT): Promise<Buffer[]> {
  const sheets: Buffer[] = [];
  for (let i = 0; i < cards.length; i += CARDS_PER_SHEET) {
    sheets.push(await sharp(Buffer.from(cardSheetSvg(cards.slice(i, i + CARDS_PER_SHEET), text))).png({ compressionLevel: 9, palette: true }).toBuffer());
  }
  return sheets;
}

/** A4 in PDF points. */
const A4 = [595.28, 841.89] as const;

/** The cards as a PDF, one A4 page per sheet of 8. */
export async function cardsPdf(cards: readonly PrintedCard[], o: { title?: string; now?: Date } = {}): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(o.title ?? 'Unit cards');
  pdf.setProducer('Limen site');
  pdf.setCreator('Limen site');
  const when = o.now ?? new Date();
  pdf.setCreationDate(when);
  pdf.setModificationDate(when);
  for (const png of await cardSheetsPng(cards)) {
    const img = await pdf.embedPng(png);
    pdf.addPage([...A4]).drawImage(img, { x: 0, y: 0, width: A4[0], height: A4[1] });
  }
  return pdf.save();
}
