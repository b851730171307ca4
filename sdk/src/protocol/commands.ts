/**
 * Commands: for each name, the schema of the request body and of the reply body.
 * A request is published on `{terminal}/cmd/{name}`; the reply comes back on the
 * request's `replyTo`.
 */
import { z } from 'zod';
import { hasUnsafeText } from './ids.js';
import { LIMITS } from './limits.js';
import {
  base64Bytes,
  configDocument,
  displayName,
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

// ---------------------------------------------------------------- access rules

/** 'HH:MM-HH:MM' in the terminal's local time, start before end ('24:00' allowed as an end). */
const INTERVAL = /^([01]\d|2[0-3]):([0-5]\d)-(?:([01]\d|2[0-3]):([0-5]\d)|24:00)$/;
const minuteOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
export const timeInterval = z
  .string()
  .regex(INTERVAL, "must be 'HH:MM-HH:MM'")
  .refine((i) => minuteOf(i.slice(0, 5)) < minuteOf(i.slice(6)), 'must start before it ends (split an interval at midnight)');
const intervals = z.array(timeInterval).max(48);
export const WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** A weekly schedule; on a holiday its `holidayIntervals` apply instead of the weekday's (none: closed). */
export const accessSchedule = z.object({
  id: entityId,
  name: displayName,
  weekly: z.partialRecord(z.enum(WEEKDAY_NAMES), intervals),
  holidayIntervals: intervals,
});
/** A calendar date 'YYYY-MM-DD' (checked to exist). */
export const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be 'YYYY-MM-DD'")
  .refine((d) => {
    const t = new Date(`${d}T00:00:00Z`);
    return !Number.isNaN(t.getTime()) && t.toISOString().startsWith(d);
  }, 'is not a calendar date');
export const accessHoliday = z.object({ date: calendarDate, name: z.string().max(200).refine((s) => !hasUnsafeText(s), 'must not contain control or bidirectional-override characters') });
/** An access group; `scheduleId` null: its members may enter at any time. */
export const accessGroup = z.object({ id: entityId, name: displayName, scheduleId: entityId.nullable() });

/** Ids, dates and references must hold within one rule set: a group's schedule is in the set. */
export const accessRuleSet = z
  .object({
    /** Rules with a version at or below the terminal's are not applied again. */
    version: seq,
    schedules: z.array(accessSchedule).max(1000),
    holidays: z.array(accessHoliday).max(3660),
    groups: z.array(accessGroup).max(1000),
  })
  .superRefine((r, ctx) => {
    const dup = (list: string[], path: string) => {
      const seen = new Set<string>();
      list.forEach((k, i) => {
        if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [path, i], message: `${JSON.stringify(k)} appears twice` });
        seen.add(k);
      });
    };
    dup(r.schedules.map((s) => s.id), 'schedules');
    dup(r.holidays.map((h) => h.date), 'holidays');
    dup(r.groups.map((g) => g.id), 'groups');
    const schedules = new Set(r.schedules.map((s) => s.id));
    r.groups.forEach((g, i) => {
      if (g.scheduleId !== null && !schedules.has(g.scheduleId)) {
        ctx.addIssue({ code: 'custom', path: ['groups', i, 'scheduleId'], message: `no schedule ${JSON.stringify(g.scheduleId)} in this set` });
      }
    });
  });
export type AccessRuleSet = z.infer<typeof accessRuleSet>;

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
  /**
   * Bring a vehicle gate's barrier down now (an operator's close; the twin of `unlock` with
   * `door: "barrier"`). REJECTED while the loop detector sees a vehicle (details
   * `{reason: "vehicle-present"}`: the boom never comes down on one) or while the fire input
   * holds it up (`{reason: "fire"}`); NOT_SUPPORTED on a terminal without a barrier.
   */
  'barrier.close': {
    request: empty,
    /** `wasUp` false: it was down already. */
    result: z.object({ at: timestamp, wasUp: z.boolean() }),
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
   * A sealed face snapshot an alert names (`alert.list-match` `snapshotId`,
   * `alarm.tailgating` `snapshotIds`), opened and sent as a JPEG. NOT_FOUND when the
   * terminal has none by that id (never kept, evicted, deleted by retention or erasure).
   */
  'snapshots.get': {
    request: z.object({ id: z.string().regex(/^[0-9a-f]{18}$/, 'must be a snapshot id (18 hex digits)') }),
    result: z.object({
      id: z.string(),
      ts: timestamp,
      /** The event the snapshot was taken for, when there is one. */
      eventSeq: seq.nullable(),
      mime: z.literal('image/jpeg'),
      data: z
        .string()
        .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')
        .refine((s) => base64Bytes(s) <= LIMITS.maxFaceSnapshotBytes, `snapshot larger than ${LIMITS.maxFaceSnapshotBytes} bytes`),
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
  /**
   * Set the terminal's access rules, in one transaction: the schedules and holidays become
   * exactly these; the groups named are created or updated (groups not named, such as the
   * persons' default group, stay as they are). A `version` at or below the one in force
   * changes nothing (`applied: false`). REJECTED when a group not named uses a schedule
   * the set drops; nothing changed then.
   */
  'access.rules.set': {
    request: accessRuleSet,
    result: z.object({ version: seq, applied: z.boolean() }),
  },
  /**
   * Stop visitor passes at this terminal before they expire (used up across the site, or
   * cancelled by staff): the terminal refuses each with `pass-revoked` until its
   * `validUntil`, then forgets it. Revoking a pass again, or one it never saw, is fine.
   */
  'passes.revoke': {
    request: z.object({
      passes: z
        .array(z.object({ id: entityId, validUntil: timestamp }))
        .min(1)
        .max(LIMITS.maxPassesPerRevoke),
    }),
    /** How many passes the terminal now refuses (the request's, less those already expired). */
    result: z.object({ revoked: z.number().int().nonnegative() }),
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
