import qrcode from 'qrcode-generator';

/** An SVG QR code for `text` (error correction M), scalable to its container. */
export function qrSvg(text: string): string {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  return qr.createSvgTag({ cellSize: 4, margin: 2, scalable: true });
}
