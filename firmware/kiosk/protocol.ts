import { z } from 'zod';
import type { KioskStrings } from './strings.js';
import type { KioskView } from './view.js';

/**
 * What the kiosk page may send as text (JSON). Webcam frames travel as binary
 * messages (one JPEG each). Validated: the page is untrusted.
 */
export const KioskCommandSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('pin'), value: z.string().regex(/^[0-9]{1,12}$/, 'PIN must be 1 to 12 digits') }).strict(),
  /** The page shows its own webcam video and needs no preview frames from the terminal. */
  z.object({ op: z.literal('preview'), enabled: z.boolean() }).strict(),
]);
export type KioskCommand = z.infer<typeof KioskCommandSchema>;

export interface KioskFaceBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** The quality gate passed on this frame. */
  ok: boolean;
}

/** Server → page text messages. Binary messages are JPEG preview frames. */
export type KioskMessage =
  | {
      type: 'hello';
      language: string;
      timeZone: string;
      site: string;
      terminalId: string;
      name: string | null;
      strings: KioskStrings;
      /** The camera takes frames from the page (a simulated camera). */
      webcam: boolean;
      face: string;
      /** SVG of the visitor self-registration QR code, when configured. */
      visitorQr: string | null;
    }
  | { type: 'view'; view: KioskView; qrSvg: string | null }
  | { type: 'faces'; width: number; height: number; boxes: KioskFaceBox[] }
  | { type: 'alarms'; alarms: string[] }
  | { type: 'frame-ack'; accepted: boolean }
  | { type: 'error'; code: string; message: string };
