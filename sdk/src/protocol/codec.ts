/**
 * Building, encoding and decoding messages. Encoders write the envelope fields
 * first (JSON keeps insertion order), which is what lets a receiver salvage `id`
 * and `replyTo` from the head of a payload it refuses to parse.
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { LIMITS } from './limits.js';
import { describeIssues } from './issues.js';
import { PROTOCOL_VERSION } from './version.js';
import type { AnyErrorCode } from './codes.js';
import { messageId, type Envelope, type ReplyEnvelope, type RequestEnvelope } from './schemas.js';

/** 16 random base64url characters (96 bits). */
export function newMessageId(): string {
  return randomBytes(12).toString('base64url');
}

export interface EnvelopeFields {
  id?: string;
  ts: number;
  v?: number;
}

function head(f: EnvelopeFields): Envelope {
  return { id: f.id ?? newMessageId(), ts: f.ts, v: f.v ?? PROTOCOL_VERSION };
}

export function makeMessage<B>(fields: EnvelopeFields, body: B): Envelope & { body: B } {
  return { ...head(fields), body };
}

export function makeRequest<B>(fields: EnvelopeFields & { replyTo: string; expiresAt: number }, body: B): RequestEnvelope & { body: B } {
  return { ...head(fields), replyTo: fields.replyTo, expiresAt: fields.expiresAt, body };
}

export function makeReply<B>(fields: EnvelopeFields & { re: string }, body: B): ReplyEnvelope {
  return { ...head(fields), re: fields.re, ok: true, body };
}

export function makeErrorReply(
  fields: EnvelopeFields & { re: string },
  error: { code: AnyErrorCode; message: string; details?: Record<string, unknown> },
): ReplyEnvelope {
  const e = error.details === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, details: error.details };
  return { ...head(fields), re: fields.re, ok: false, error: e };
}

export function encode(message: object): Buffer {
  return Buffer.from(JSON.stringify(message));
}

export type DecodeFailure = { ok: false; reason: 'too_large' | 'not_json' | 'invalid'; message: string };
export type Decoded<T> = { ok: true; value: T } | DecodeFailure;

/** Size check, JSON parse and schema validation; never throws. */
export function decode<S extends z.ZodType>(payload: Uint8Array, schema: S, maxBytes: number = LIMITS.maxMessageBytes): Decoded<z.infer<S>> {
  if (payload.byteLength > maxBytes) {
    return { ok: false, reason: 'too_large', message: `payload of ${payload.byteLength} bytes exceeds ${maxBytes}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch {
    return { ok: false, reason: 'not_json', message: 'payload is not JSON' };
  }
  const r = schema.safeParse(json);
  return r.success ? { ok: true, value: r.data } : { ok: false, reason: 'invalid', message: describeIssues(r.error) };
}

/** Parses JSON only (size-checked); schema checks follow step by step in the caller. */
export function parseJson(payload: Uint8Array, maxBytes: number = LIMITS.maxMessageBytes): Decoded<unknown> {
  if (payload.byteLength > maxBytes) {
    return { ok: false, reason: 'too_large', message: `payload of ${payload.byteLength} bytes exceeds ${maxBytes}` };
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8')) };
  } catch {
    return { ok: false, reason: 'not_json', message: 'payload is not JSON' };
  }
}

const STRING_FIELD = (name: string) => new RegExp(`"${name}"\\s*:\\s*"([^"\\\\]{1,512})"`);

/**
 * Best-effort `id` and `replyTo` from the first `LIMITS.salvageBytes` of a payload
 * that could not be parsed, so the sender still gets an error reply. Either may
 * be missing; the caller validates both before using them.
 */
export function salvageRequestHead(payload: Uint8Array): { id?: string; replyTo?: string } {
  const text = Buffer.from(payload.buffer, payload.byteOffset, Math.min(payload.byteLength, LIMITS.salvageBytes)).toString('latin1');
  const id = STRING_FIELD('id').exec(text)?.[1];
  const replyTo = STRING_FIELD('replyTo').exec(text)?.[1];
  const out: { id?: string; replyTo?: string } = {};
  if (id !== undefined && messageId.safeParse(id).success) out.id = id;
  if (replyTo !== undefined) out.replyTo = replyTo;
  return out;
}
