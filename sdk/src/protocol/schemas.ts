/**
 * Schemas of every message on the wire. Each schema is the single source of both the
 * runtime validator and the TypeScript type (`z.infer`). Objects are not strict:
 * unknown fields are ignored, so a later revision can add fields without breaking
 * older readers.
 */
import { z } from 'zod';
import { DISPLAY_NAME_MAX, ID_PATTERN, ID_RULE, displayNameProblem, hasUnsafeText } from './ids.js';
import { LIMITS } from './limits.js';
import { normalisePlate } from './plates.js';

// ---------------------------------------------------------------- primitives

/** Message ids: 1-64 of `[A-Za-z0-9_-]`; senders use 16 random base64url characters. */
export const messageId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of [A-Za-z0-9_-]');
/** Milliseconds since the Unix epoch. */
export const timestamp = z.number().int().nonnegative().max(8.64e15);
export const protocolVersion = z.number().int().positive().max(1000);
/** Group, session, terminal and site ids: the one id grammar (`ID_PATTERN`). */
export const entityId = z.string().regex(ID_PATTERN, `must be ${ID_RULE}`);
/** Person ids: the same grammar, so every id a backend sends is one a terminal can store. */
export const personId = entityId;
/** A name people read (a person's, a consent's subject): no controls, no bidirectional overrides. */
export const displayName = z
  .string()
  .max(DISPLAY_NAME_MAX)
  .superRefine((s, ctx) => {
    const problem = displayNameProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
/** Free text that is printed or logged: no controls or bidirectional overrides. */
const plainText = (max: number) =>
  z.string().min(1).max(max).refine((s) => !hasUnsafeText(s), 'must not contain control or bidirectional-override characters');
export const seq = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
export const seqOrZero = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const shortText = (max: number) => z.string().min(1).max(max);
const record = z.record(z.string(), z.unknown());

/** Decoded length of a base64 string (without decoding it). */
export function base64Bytes(s: string): number {
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  return Math.floor((s.length * 3) / 4) - pad;
}

export const versionRange = z
  .object({ min: protocolVersion, max: protocolVersion })
  .refine((r) => r.min <= r.max, 'min must be <= max');

// ---------------------------------------------------------------- envelope

/**
 * Every message: `id` (unique per message, doubles as the nonce a signature
 * covers), `ts` (sender's clock), `v` (protocol revision) and `sig`, reserved for
 * the signature the security layer adds (see `canonicalBytes`).
 */
export const envelope = z.object({
  id: messageId,
  ts: timestamp,
  v: protocolVersion,
  sig: z.string().min(1).max(2048).optional(),
});
export type Envelope = z.infer<typeof envelope>;

/** A request adds where to reply and when it stops being valid. */
export const requestEnvelope = envelope.extend({
  replyTo: z.string().min(1).max(512),
  expiresAt: timestamp,
  body: z.unknown(),
});
export type RequestEnvelope = z.infer<typeof requestEnvelope>;

export const wireError = z.object({
  code: z.string().min(1).max(64),
  message: z.string().max(1024),
  details: record.optional(),
});
export type WireError = z.infer<typeof wireError>;

/** A reply names the request it answers in `re`; `ok` says which of `body` / `error` it carries. */
export const replyEnvelope = z.discriminatedUnion('ok', [
  envelope.extend({ re: messageId, ok: z.literal(true), body: z.unknown() }),
  envelope.extend({ re: messageId, ok: z.literal(false), error: wireError }),
]);
export type ReplyEnvelope = z.infer<typeof replyEnvelope>;

/** A message that is not a request or reply: an envelope and a body. */
export function message<T extends z.ZodType>(body: T) {
  return envelope.extend({ body });
}

// ---------------------------------------------------------------- presence, health

export const presenceBody = z.object({
  state: z.enum(['online', 'offline']),
  /** For `offline`: `shutdown` when the terminal said goodbye, `lost` when the broker sent its last will. */
  reason: z.enum(['shutdown', 'lost']).optional(),
  firmware: shortText(64),
  board: shortText(64),
  protocol: versionRange,
  /** Groups this terminal belongs to (from its config); backends address groups through them. */
  groups: z.array(entityId).max(64),
  /** The commands this terminal implements. */
  commands: z.array(z.string().max(64)).max(64),
  maxMessageBytes: z.number().int().positive(),
  /** When this connection began (for `online`) or when the will was armed (for `lost`). */
  since: timestamp,
});
export type PresenceBody = z.infer<typeof presenceBody>;
export const presenceMessage = message(presenceBody);
export type PresenceMessage = z.infer<typeof presenceMessage>;

const nullableNumber = z.number().finite().nullable();
export const healthBody = z.object({
  firmware: shortText(64),
  board: shortText(64),
  uptimeS: z.number().nonnegative(),
  /** 1, 5 and 15 minute load averages divided by the number of cores (1.0 = all cores busy). */
  cpuLoad: z.tuple([z.number(), z.number(), z.number()]),
  cpuTempC: nullableNumber,
  memory: z.object({ totalBytes: z.number().nonnegative(), freeBytes: z.number().nonnegative(), processRssBytes: z.number().nonnegative() }),
  disk: z.object({ path: z.string().max(256), totalBytes: z.number().nonnegative(), freeBytes: z.number().nonnegative() }).nullable(),
  camera: z.object({ fps: z.number().nonnegative() }).nullable(),
  model: z.object({ latencyMs: z.number().nonnegative() }).nullable(),
  /**
   * `size`: persons (as `gallery.status` reports it); `version`: the version the
   * backend's sync last brought the gallery to; `templates`: face templates in the
   * live matcher, null while face recognition is not running (absent from older firmware).
   */
  gallery: z
    .object({ size: z.number().int().nonnegative(), version: seqOrZero, templates: z.number().int().nonnegative().nullable().optional() })
    .nullable(),
  outbox: z.object({ depth: z.number().int().nonnegative(), ackedSeq: seqOrZero, lastSeq: seqOrZero }),
  /** Inbound messages the terminal dropped since it started, by reason. */
  dropped: z.record(z.string(), z.number().int().nonnegative()),
});
export type HealthBody = z.infer<typeof healthBody>;
export const healthMessage = message(healthBody);
export type HealthMessage = z.infer<typeof healthMessage>;

// ---------------------------------------------------------------- events

/** One event as it travels; the terminal id is in the topic. */
export const wireEvent = z.object({
  seq,
  ts: timestamp,
  type: shortText(64),
  result: z.enum(['granted', 'denied']).nullable().optional(),
  reason: shortText(64).nullable().optional(),
  personId: personId.nullable().optional(),
  credentialType: shortText(16).nullable().optional(),
  /** Which credential (a card number, a credential id); never a PIN or an image. */
  credentialRef: shortText(128).nullable().optional(),
  data: record.nullable().optional(),
});
export type WireEvent = z.infer<typeof wireEvent>;

/**
 * A batch on `{terminal}/events`. Events are in ascending seq order. `prev` is the
 * seq of the event just before the first one in the terminal's log (or the
 * acknowledged cursor), so a reader can tell a batch it missed in transit
 * (`prev` beyond what it has) from events the terminal no longer has (a seq
 * jump inside the batch, or between `prev` and the first event). `ackedThrough`
 * is the terminal's contiguous acknowledged cursor: everything up to it has been
 * handled by some backend.
 */
export const eventBatchBody = z
  .object({
    prev: seqOrZero,
    ackedThrough: seqOrZero,
    events: z.array(wireEvent).min(1).max(LIMITS.maxBatchEvents),
  })
  .superRefine((b, ctx) => {
    let last = b.prev;
    for (const [i, e] of b.events.entries()) {
      if (e.seq <= last) {
        ctx.addIssue({ code: 'custom', path: ['events', i, 'seq'], message: 'seqs must ascend and exceed prev' });
        return;
      }
      last = e.seq;
    }
  });
export type EventBatchBody = z.infer<typeof eventBatchBody>;
export const eventBatchMessage = message(eventBatchBody);
export type EventBatchMessage = z.infer<typeof eventBatchMessage>;

/** Inclusive seq range `[from, to]`. */
export const seqRange = z.tuple([seq, seq]).refine(([a, b]) => a <= b, 'from must be <= to');
export type SeqRange = z.infer<typeof seqRange>;

/**
 * An acknowledgement on `{terminal}/events/ack`: the seqs whose handlers finished.
 * Ranges need not be contiguous; the terminal folds them into its cursor. With
 * `resendAfter`, the backend says it is missing what follows that seq, and the
 * terminal resends its unacknowledged events at once instead of waiting for its
 * ack timeout.
 */
export const eventAckBody = z.object({
  ranges: z.array(seqRange).max(LIMITS.maxAckRanges),
  resendAfter: seqOrZero.optional(),
});
export type EventAckBody = z.infer<typeof eventAckBody>;
export const eventAckMessage = message(eventAckBody);

/** `_fleet/resync`: a backend started consuming; terminals resend what is unacknowledged. */
export const resyncMessage = message(z.object({}));

// ---------------------------------------------------------------- config

export const configDocument = record;
export const configDesiredBody = z.object({
  version: seq,
  config: configDocument,
});
export type ConfigDesiredBody = z.infer<typeof configDesiredBody>;
export const configDesiredMessage = message(configDesiredBody);

export const configReportedBody = z.object({
  /** The version in force (0 before any was applied). */
  version: seqOrZero,
  config: configDocument,
  /** `applied`: `version` is the newest desired; `rejected`: the newest desired was refused (see `rejected`). */
  status: z.enum(['initial', 'applied', 'rejected']),
  rejected: z.object({ version: seq, code: z.string().max(64), message: z.string().max(1024) }).optional(),
});
export type ConfigReportedBody = z.infer<typeof configReportedBody>;
export const configReportedMessage = message(configReportedBody);

// ---------------------------------------------------------------- persons and gallery

/**
 * A face template: raw little-endian vector bytes in base64. `f32` = float32,
 * `i8` = int8 (symmetric quantisation, scale in `scale`).
 */
export const faceTemplate = z
  .object({
    model: shortText(64),
    format: z.enum(['f32', 'i8']),
    dim: z.number().int().min(16).max(4096),
    scale: z.number().positive().finite().optional(),
    data: base64,
  })
  .refine((t) => base64Bytes(t.data) === t.dim * (t.format === 'f32' ? 4 : 1), {
    message: 'data length does not match dim and format',
    path: ['data'],
  });
export type FaceTemplate = z.infer<typeof faceTemplate>;

/** A photo for the terminal to enrol itself (it detects, aligns and embeds). */
export const facePhoto = z.object({
  mime: z.enum(['image/jpeg', 'image/png', 'image/webp']),
  data: base64.refine((s) => base64Bytes(s) <= LIMITS.maxPhotoBytes, `photo larger than ${LIMITS.maxPhotoBytes} bytes`),
});
export type FacePhoto = z.infer<typeof facePhoto>;

/** How a person (or whoever may consent for them) agreed to face recognition. */
export const CONSENT_METHODS = ['signed-form', 'kiosk', 'app', 'web', 'recorded-verbal', 'other'] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number];

/**
 * The consent record that every face carries: who gave it, when and how, and where
 * the backend keeps the proof. The terminal stores it as sent; it never assumes one.
 */
export const faceConsent = z.object(
  {
    /** Who gave it, as the record names them: the person, or a parent or guardian. */
    subject: displayName,
    /** When it was given (the backend's record, not the time of sending). */
    givenAt: timestamp,
    method: z.enum(CONSENT_METHODS),
    /** Where the proof is kept: a form number, a document id, an app receipt. */
    reference: plainText(200).optional(),
  },
  { error: (issue) => (issue.input === undefined ? 'required: every face needs the consent record of its person' : undefined) },
);
export type FaceConsent = z.infer<typeof faceConsent>;

/** A template or a photo, each with its consent record. */
export const face = z.intersection(
  z.object({ consent: faceConsent }),
  z.union([z.object({ template: faceTemplate }), z.object({ photo: facePhoto })]),
);
export type Face = z.infer<typeof face>;

/** Whether a schema issue is about a face's consent record (answered CONSENT_REQUIRED, not BAD_REQUEST). */
export function isConsentIssue(issue: { path: readonly PropertyKey[] }): boolean {
  const i = issue.path.indexOf('consent');
  return i >= 2 && typeof issue.path[i - 1] === 'number' && issue.path[i - 2] === 'faces';
}

/**
 * A credential of a person. A `plate` is a licence plate (a resident's car, a visitor's
 * vehicle with the person's validity): it must be a valid plate (`normalisePlate`).
 */
export const credential = z
  .object({
    type: z.enum(['card', 'pin', 'qr', 'plate']),
    value: shortText(128),
  })
  .superRefine((c, ctx) => {
    if (c.type !== 'plate') return;
    const n = normalisePlate(c.value);
    if (!n.ok) ctx.addIssue({ code: 'custom', path: ['value'], message: `not a licence plate: ${n.message}` });
  });

/** Why a person is on a face list: persons of interest, or a missing person to look out for. */
export const LIST_PURPOSES = ['watch', 'missing'] as const;
export type ListPurpose = (typeof LIST_PURPOSES)[number];

/** A face list a person is on. Every match of a listed person raises `alert.list-match`; a list never grants. */
export const personList = z.object({ id: entityId, purpose: z.enum(LIST_PURPOSES) });
export type PersonList = z.infer<typeof personList>;

export const personRecord = z.object({
  id: personId,
  name: displayName.optional(),
  groups: z.array(entityId).max(32).optional(),
  validFrom: timestamp.nullable().optional(),
  validUntil: timestamp.nullable().optional(),
  credentials: z.array(credential).max(16).optional(),
  faces: z.array(face).max(10).optional(),
  /**
   * Face lists the person is on (replaces the terminal's when present). A person sent
   * with lists and without groups is only on the lists: held in the gallery, never granted.
   */
  lists: z.array(personList).max(16).optional(),
});
export type PersonRecord = z.infer<typeof personRecord>;

export const galleryChange = z.discriminatedUnion('op', [
  z.object({ op: z.literal('upsert'), person: personRecord }),
  z.object({ op: z.literal('remove'), id: personId }),
]);
export type GalleryChange = z.infer<typeof galleryChange>;

export const gallerySession = z.object({
  id: entityId,
  mode: z.enum(['delta', 'replace']),
  fromVersion: seqOrZero,
  toVersion: seq,
  /** Changes applied so far; a resumed sync continues after them. */
  applied: z.number().int().nonnegative(),
});
export type GallerySession = z.infer<typeof gallerySession>;
