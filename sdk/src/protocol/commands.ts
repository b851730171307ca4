/**
 * Commands: for each name, the schema of the request body and of the reply body.
 * A request is published on `{terminal}/cmd/{name}`; the reply comes back on the
 * request's `replyTo`.
 */
import { z } from 'zod';
import { LIMITS } from './limits.js';
import {
  configDocument,
  entityId,
  galleryChange,
  gallerySession,
  personId,
  personRecord,
  seq,
  seqOrZero,
  timestamp,
  versionRange,
  wireEvent,
} from './schemas.js';

const empty = z.object({});

export const commandSchemas = {
  /** Liveness and version check. */
  ping: {
    request: empty,
    result: z.object({ now: timestamp, protocol: versionRange, firmware: z.string().max(64) }),
  },
  /** Energise the door relay for `durationMs`. */
  unlock: {
    request: z.object({
      durationMs: z.number().int().min(100).max(10 * 60_000),
      /** Which door, on terminals that drive more than one. */
      door: entityId.optional(),
    }),
    result: z.object({ until: timestamp }),
  },
  /** Restart the terminal after `delayMs` (the reply goes out first). */
  reboot: {
    request: z.object({ delayMs: z.number().int().min(0).max(10 * 60_000).optional(), reason: z.string().max(200).optional() }),
    result: z.object({ at: timestamp }),
  },
  /** Apply a configuration now and answer with what is in force (the request/response twin of `config/desired`). */
  'config.set': {
    request: z.object({ version: seq, config: configDocument }),
    result: z.object({ version: seqOrZero, config: configDocument }),
  },
  /** Add or replace persons, with credentials and face templates or photos. */
  'persons.upsert': {
    request: z.object({ persons: z.array(personRecord).min(1).max(LIMITS.maxPersonsPerUpsert) }),
    result: z.object({ upserted: z.number().int().nonnegative() }),
  },
  /** Remove persons with their credentials and templates. Unknown ids are not an error. */
  'persons.remove': {
    request: z.object({ ids: z.array(personId).min(1).max(LIMITS.maxIdsPerRemove) }),
    result: z.object({ removed: z.number().int().nonnegative() }),
  },
  /** The gallery's version and size, and an unfinished sync session if there is one. */
  'gallery.status': {
    request: empty,
    result: z.object({ version: seqOrZero, size: z.number().int().nonnegative(), session: gallerySession.nullable() }),
  },
  /**
   * Start (or resume) a sync session. `delta` needs `fromVersion` to equal the
   * terminal's version (VERSION_MISMATCH otherwise); `replace` removes, at commit,
   * every person the session did not upsert. Beginning a session with the id of
   * an unfinished one resumes it: the reply says how many changes it already holds.
   */
  'gallery.begin': {
    request: z.object({
      session: entityId,
      mode: z.enum(['delta', 'replace']),
      fromVersion: seqOrZero,
      toVersion: seq,
      /** Number of changes the session will carry, when known (for progress on the terminal). */
      total: z.number().int().nonnegative().optional(),
    }),
    result: z.object({ applied: z.number().int().nonnegative() }),
  },
  /** The next changes of a session; `offset` must equal the session's `applied` (OUT_OF_ORDER otherwise). */
  'gallery.chunk': {
    request: z.object({
      session: entityId,
      offset: z.number().int().nonnegative(),
      changes: z.array(galleryChange).min(1).max(LIMITS.maxChangesPerChunk),
    }),
    result: z.object({ applied: z.number().int().nonnegative() }),
  },
  /** Finish a session: the gallery moves to the session's `toVersion`. */
  'gallery.commit': {
    request: z.object({ session: entityId }),
    result: z.object({ version: seq, size: z.number().int().nonnegative() }),
  },
  /** Read the terminal's event log (acknowledged or not). */
  'events.query': {
    request: z.object({
      afterSeq: seqOrZero.optional(),
      beforeSeq: seq.optional(),
      since: timestamp.optional(),
      until: timestamp.optional(),
      type: z.string().min(1).max(64).optional(),
      personId: personId.optional(),
      limit: z.number().int().min(1).max(LIMITS.maxQueryEvents).optional(),
      order: z.enum(['asc', 'desc']).optional(),
    }),
    result: z.object({ events: z.array(wireEvent).max(LIMITS.maxQueryEvents) }),
  },
  /** A still from the camera. */
  snapshot: {
    request: z.object({ maxWidth: z.number().int().min(16).max(4096).optional() }),
    result: z.object({
      ts: timestamp,
      mime: z.enum(['image/jpeg', 'image/png', 'image/webp']),
      width: z.number().int().positive(),
      height: z.number().int().positive(),
      data: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
    }),
  },
  /**
   * Site calibration of liveness: the terminal records the fused live scores of the next
   * `approaches` genuine approaches at its camera (or what came within `timeoutMs`), sets its
   * liveness threshold at their 5th percentile, bounded by `floor` and the level's own
   * threshold, stores it and uses it at once. The installer walks up to the door meanwhile.
   * REJECTED (details `{recorded, needed}`) when fewer than 5 approaches gave a score: nothing
   * changed; NOT_SUPPORTED without face recognition or with liveness off; BUSY while one runs.
   */
  'liveness.calibrate': {
    request: z.object({
      approaches: z.number().int().min(5).max(200),
      timeoutMs: z.number().int().min(1000).max(LIMITS.maxRequestTtlMs),
    }),
    result: z.object({
      threshold: z.number().min(0).max(1),
      /** The level's own threshold is the ceiling; the floor is the lowest a calibration may set. */
      level: z.enum(['low', 'medium', 'high']),
      floor: z.number().min(0).max(1),
      quantileScore: z.number().min(0).max(1),
      approaches: z.number().int().nonnegative(),
      boundedBy: z.enum(['floor', 'level']).optional(),
      scores: z.array(z.number().min(0).max(1)).max(200),
    }),
  },
} as const;

export type CommandName = keyof typeof commandSchemas;
export const COMMAND_NAMES = Object.keys(commandSchemas) as CommandName[];

export type CommandRequest<N extends CommandName> = z.infer<(typeof commandSchemas)[N]['request']>;
export type CommandResult<N extends CommandName> = z.infer<(typeof commandSchemas)[N]['result']>;

export function isCommandName(s: string): s is CommandName {
  return Object.hasOwn(commandSchemas, s);
}

/**
 * The same table, typed per name: `commandSchemasByName[name]` with a generic `name`
 * keeps that command's types (indexing `commandSchemas` widens to every command's).
 */
export const commandSchemasByName: { readonly [N in CommandName]: { request: z.ZodType<CommandRequest<N>>; result: z.ZodType<CommandResult<N>> } } =
  commandSchemas;
