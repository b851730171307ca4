/**
 * Issuing visitor passes: a signed token (see `protocol/pass-token.ts`) and its
 * QR code, as an SVG for e-mail or web pages, or as a module matrix.
 */
import qrcode from 'qrcode-generator';
import { encodePassToken, type PassSpec, type Signer } from './protocol/index.js';

export interface IssuedPass {
  token: string;
  /** QR modules, row-major, true = dark; no quiet zone. */
  modules: boolean[][];
  /** A standalone SVG with a 4-module quiet zone. */
  svg: string;
}

export function issueVisitorPass(spec: PassSpec, signer: Signer, opts: { moduleSize?: number } = {}): IssuedPass {
  const token = encodePassToken(spec, signer);
  const qr = qrcode(0, 'M');
  qr.addData(token, 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  const modules = Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => qr.isDark(r, c)));
  const s = opts.moduleSize ?? 4;
  const size = (n + 8) * s;
  let path = '';
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (modules[r]![c]) path += `M${(c + 4) * s} ${(r + 4) * s}h${s}v${s}h-${s}z`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}"><rect width="100%" height="100%" fill="#fff"/><path d="${path}" fill="#000"/></svg>`;
  return { token, modules, svg };
}
