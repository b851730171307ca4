import type { PlateColour } from '../plate-reader.js';
import { PlatePushError } from './errors.js';

/**
 * What one push carried, before the receiver adds the camera and the terminal's time.
 * `direction` is the camera's own word: ISAPI says forward / reverse (which one is
 * "in" depends on how the camera is mounted), a generic webhook says in / out.
 */
export interface PushedPlate {
  plate: string;
  colour?: PlateColour;
  vehicleType?: string;
  direction?: 'forward' | 'reverse' | 'in' | 'out' | 'unknown';
  confidence?: number;
  snapshot?: Buffer;
}

/** A push that was understood: a plate, or an event that carries none (a heartbeat, no plate read). */
export type PushOutcome = { kind: 'plate'; plate: PushedPlate } | { kind: 'ignored'; reason: string };

/** Longest plate text taken from a camera (the longest real plate is 9 characters with WJ). */
export const MAX_PLATE_TEXT = 32;
const MAX_VEHICLE_TYPE = 32;
/** What cameras write when they saw a vehicle but read no plate. */
const NO_PLATE = new Set(['', 'UNKNOWN', 'NOPLATE', 'NONE', '无车牌', '无牌', '车牌']);

/** The plate text: a trimmed string of printable characters, or a BAD_EVENT. Null when the camera read no plate. */
export function plateText(value: unknown, field: string): string | null {
  if (typeof value === 'number') value = String(value);
  if (typeof value !== 'string') throw new PlatePushError('BAD_EVENT', `${field} is missing or not text`);
  const plate = value.trim();
  if (NO_PLATE.has(plate.toUpperCase())) return null;
  if (plate.length > MAX_PLATE_TEXT) throw new PlatePushError('BAD_EVENT', `${field} is longer than ${MAX_PLATE_TEXT} characters`);
  if (/[\u0000-\u001f\u007f]/u.test(plate)) throw new PlatePushError('BAD_EVENT', `${field} contains control characters`);
  return plate;
}

/** An optional short text field (vehicle type), dropped when absent or unusable. */
export function shortText(value: unknown): string | undefined {
  if (typeof value === 'number') value = String(value);
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text && text.length <= MAX_VEHICLE_TYPE && !/[\u0000-\u001f\u007f]/u.test(text) ? text : undefined;
}

/** JPEG files start with SOI and a marker: FF D8 FF. */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}
