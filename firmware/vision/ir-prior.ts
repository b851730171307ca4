// The near-infrared prior: a face lit by the terminal's 850/940 nm LED looks like skin in
// the IR camera, a replayed screen and a paper print do not. A hand-set prior, not a
// trained model, and it can only veto: an IR frame never makes a face live.
//
// Why it works, roughly: an LCD/OLED panel emits visible light only and its polariser
// absorbs most of the NIR the LED sends back, so a screen's "face" is dark; dye inks are
// nearly transparent in NIR and paper reflects it evenly, so a print's face is flat (its
// eyes, brows and hair, dark in NIR on a real head, vanish). Glossy photo paper, pigment
// inks, masks and an attacker who switches the LED's view off are outside what it can see.
import type { Box } from './box.js';
import type { GrayImage } from './image.js';

export interface IrPriorRules {
  /** Median NIR luma of the face's centre below this: dark, a screen (default 40). */
  darkBelow: number;
  /** Median above this: the face is blown out, no texture to judge (default 245). */
  brightAbove: number;
  /** Spread (90th minus 10th percentile of luma) below this: flat, a print (default 24). */
  flatBelow: number;
  /** An IR frame more than this far in time from the colour frame is not used (default 100 ms). */
  maxSkewMs: number;
}

export const DEFAULT_IR_PRIOR: IrPriorRules = { darkBelow: 40, brightAbove: 245, flatBelow: 24, maxSkewMs: 100 };

export type IrReason = 'ir_dark' | 'ir_flat' | 'ir_saturated';

export interface IrVerdict {
  ok: boolean;
  reason?: IrReason;
  /** Median and p90−p10 spread of the region's NIR luma. */
  median: number;
  spread: number;
}

/** The middle of the face box (this fraction of each side): cheeks, eyes, nose, no background. */
const CORE = 0.6;

/**
 * Judges the face in the IR frame. `box` is in the colour frame's pixels (`colour` its
 * size); the IR camera is assumed to see the same field of view, so the box is scaled to
 * the IR frame. Null when the box falls outside the IR frame (nothing to judge).
 */
export function irFacePrior(ir: GrayImage, box: Box, colour: { width: number; height: number }, rules: IrPriorRules = DEFAULT_IR_PRIOR): IrVerdict | null {
  const sx = ir.width / colour.width;
  const sy = ir.height / colour.height;
  const cx = ((box.x1 + box.x2) / 2) * sx;
  const cy = ((box.y1 + box.y2) / 2) * sy;
  const hw = ((box.x2 - box.x1) * sx * CORE) / 2;
  const hh = ((box.y2 - box.y1) * sy * CORE) / 2;
  const x1 = Math.max(0, Math.floor(cx - hw));
  const x2 = Math.min(ir.width, Math.ceil(cx + hw));
  const y1 = Math.max(0, Math.floor(cy - hh));
  const y2 = Math.min(ir.height, Math.ceil(cy + hh));
  if (x2 - x1 < 4 || y2 - y1 < 4) return null;
  const hist = new Uint32Array(256);
  for (let y = y1; y < y2; y++) for (let x = x1, i = y * ir.width + x1; x < x2; x++, i++) hist[ir.data[i]!]!++;
  const n = (x2 - x1) * (y2 - y1);
  const p10 = percentile(hist, n, 0.1);
  const median = percentile(hist, n, 0.5);
  const spread = percentile(hist, n, 0.9) - p10;
  const reason: IrReason | undefined = median < rules.darkBelow ? 'ir_dark' : median > rules.brightAbove ? 'ir_saturated' : spread < rules.flatBelow ? 'ir_flat' : undefined;
  return { ok: reason === undefined, ...(reason && { reason }), median, spread };
}

function percentile(hist: Uint32Array, n: number, q: number): number {
  const target = q * (n - 1);
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += hist[v]!;
    if (seen > target) return v;
  }
  return 255;
}

/** What a track's IR frames said: vetoed when most of the ones judged failed. */
export interface IrTally {
  judged: number;
  failed: number;
  /** The most recent failure's reason. */
  reason?: IrReason;
}

export function irVetoes(t: IrTally | undefined): boolean {
  return t !== undefined && t.judged > 0 && t.failed * 2 > t.judged;
}
