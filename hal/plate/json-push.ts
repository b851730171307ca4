/**
 * The generic JSON webhook: any camera or script that can POST
 * `{ plate, colour?, direction?, confidence?, cameraId?, at?, snapshot? }`
 * (`snapshot` a base64 JPEG). `at` is the sender's clock and only informative: reads
 * are stamped with the terminal's clock. Pure: bytes in, a PushOutcome out, or a PlatePushError.
 */
import { z } from 'zod';
import { PLATE_COLOURS } from '../plate-reader.js';
import { PlatePushError } from './errors.js';
import { isJpeg, MAX_PLATE_TEXT, plateText, shortText, type PushedPlate, type PushOutcome } from './pushed.js';

/** Largest base64 snapshot accepted (the body limit applies first). */
const MAX_SNAPSHOT_BASE64 = 3 * 1024 * 1024;

export const JsonPlatePushSchema = z.object({
  plate: z.string().max(MAX_PLATE_TEXT),
  colour: z.enum(PLATE_COLOURS).optional(),
  vehicleType: z.string().max(64).optional(),
  direction: z.enum(['in', 'out', 'unknown']).optional(),
  confidence: z.number().min(0).max(1).optional(),
  cameraId: z.string().max(64).optional(),
  at: z.number().int().nonnegative().optional(),
  snapshot: z.string().max(MAX_SNAPSHOT_BASE64).regex(/^[A-Za-z0-9+/]*={0,2}$/u, 'must be base64').optional(),
});
export type JsonPlatePush = z.input<typeof JsonPlatePushSchema>;

/** Parses a JSON webhook body. `cameraId` in the body, when given, must name the camera of the URL. */
export function parseJsonPush(body: Buffer, contentType: string | undefined, cameraId: string): PushOutcome {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new PlatePushError('UNSUPPORTED_MEDIA_TYPE', `expected application/json, got ${type || 'no content-type'}`);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (err) {
    throw new PlatePushError('BAD_JSON', `JSON does not parse: ${(err as Error).message}`);
  }
  const parsed = JsonPlatePushSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PlatePushError('BAD_EVENT', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  const p = parsed.data;
  if (p.cameraId !== undefined && p.cameraId !== cameraId) throw new PlatePushError('BAD_EVENT', `cameraId ${JSON.stringify(p.cameraId)} is not the camera of this URL (${cameraId})`);
  const plate = plateText(p.plate, 'plate');
  if (plate === null) return { kind: 'ignored', reason: 'no plate read' };
  const read: PushedPlate = { plate, direction: p.direction ?? 'unknown' };
  if (p.colour) read.colour = p.colour;
  const vehicleType = shortText(p.vehicleType);
  if (vehicleType) read.vehicleType = vehicleType;
  if (p.confidence !== undefined) read.confidence = p.confidence;
  if (p.snapshot) {
    const bytes = Buffer.from(p.snapshot, 'base64');
    if (!isJpeg(bytes)) throw new PlatePushError('BAD_EVENT', 'snapshot is not a base64 JPEG');
    read.snapshot = bytes;
  }
  return { kind: 'plate', plate: read };
}
