/**
 * Every event type a terminal emits, with the schema of its `data`. This table is the
 * one definition: the firmware's event log accepts only these types with their data
 * (a compile error otherwise), and the SDK hands events to handlers typed by it.
 *
 * On the wire `type` stays a free string (`wireEvent`): a terminal with newer firmware
 * may send a type this revision does not know. `classifyEvent` tells the two apart.
 * Data objects are not strict, so a later revision can add fields to a type's data.
 */
import { z } from 'zod';
import { sealedStrangerTemplate } from './stranger-template.js';

const none = z.object({});

/** Who or what unlocked the door. */
export const UNLOCK_SOURCES = ['grant', 'exit', 'fire', 'remote'] as const;
/** Why the door locked again. */
export const LOCK_REASONS = ['timeout', 'opened', 'fire-cleared', 'relay-cut'] as const;

/** Plate background colours as licence-plate cameras report them. */
export const PLATE_COLOURS = ['blue', 'yellow', 'green', 'white', 'black', 'yellow-green', 'other'] as const;
/** Who raised a vehicle barrier. */
export const BARRIER_OPEN_SOURCES = ['grant', 'remote', 'fire'] as const;
/** Why a vehicle barrier came down. */
export const BARRIER_CLOSE_REASONS = ['passed', 'timeout', 'remote', 'fire-cleared'] as const;

/** Data of an access decision (all four decision types share it). Never a PIN or an image. */
export const accessEventData = z.object({
  /** The matched credential, when there is one. */
  credentialId: z.string().max(64).optional(),
  /** Card format as the reader reported it (`wiegand26`, ...). */
  format: z.string().max(32).optional(),
  /** A malformed card read, cut to 32 characters (helps diagnose a misconfigured reader). */
  value: z.string().max(32).optional(),
  /** Face decisions: match score and liveness score (null when liveness did not run). */
  score: z.number().optional(),
  liveness: z.number().nullable().optional(),
  /** Visitor passes: which pass, whose, and the use this decision made (1-based). */
  pass: z
    .object({ id: z.string().max(64), holder: z.string().max(200), use: z.number().int(), maxUses: z.number().int(), validUntil: z.number() })
    .optional(),
  /**
   * `face.stranger` only, from terminals configured with the site's key
   * (`face.strangerTemplateKey`): the unknown face's template sealed to that key.
   */
  template: sealedStrangerTemplate.optional(),
  /**
   * `face.stranger` and `face.spoof-suspected` only: the face snapshot the terminal keeps
   * (sealed, under its retention), fetched with `snapshots.get`; absent when none was kept.
   */
  snapshotId: z.string().max(64).optional(),
  /**
   * Plate decisions (`credentialType` "plate"): the plate as the camera read it, normalised
   * when it could be, what else the camera said, and the snapshot kept with it. `admittedBy`
   * marks an unknown plate let through by the unknown-plate policy or by the guard.
   */
  vehicle: z
    .object({
      plate: z.string().max(16),
      colour: z.enum(PLATE_COLOURS).optional(),
      vehicleType: z.string().max(32).optional(),
      direction: z.enum(['in', 'out', 'unknown']).optional(),
      confidence: z.number().min(0).max(1).optional(),
      cameraId: z.string().max(64).optional(),
      snapshotId: z.string().max(64).nullable().optional(),
      admittedBy: z.enum(['policy', 'guard']).optional(),
    })
    .optional(),
});

const openMs = z.object({ openMs: z.number().nonnegative() });

/** Event type → schema of its `data`. */
export const eventDataSchemas = {
  /** A credential opened the door (`personId`, `credentialType`, `credentialRef` say whose and which). */
  'access.granted': accessEventData,
  /** A credential was refused; `reason` says why (`unknown-credential`, `outside-schedule`, ...). */
  'access.denied': accessEventData,
  /** A face matched nobody. */
  'face.stranger': accessEventData,
  /** A face failed the liveness check. */
  'face.spoof-suspected': accessEventData,
  'door.unlocked': z.object({ source: z.enum(UNLOCK_SOURCES) }),
  'door.locked': z.object({ reason: z.enum(LOCK_REASONS) }),
  'door.opened': none,
  'door.closed': none,
  /** The exit button was pressed; `unlocks` says whether it unlocked the door. */
  'door.exit-request': z.object({ unlocks: z.boolean() }),
  /** The door opened while locked with no grant or exit request in effect. */
  'alarm.forced-open': none,
  'alarm.forced-open-cleared': none,
  'alarm.held-open': openMs,
  'alarm.held-open-cleared': openMs,
  'alarm.tamper': none,
  'alarm.tamper-cleared': none,
  /** The relay guard cut the relay after `energisedMs` of continuous energising. */
  'alarm.relay-max-energise': z.object({ energisedMs: z.number().nonnegative() }),
  /** The fire input went active; `doorReleased` is false on a fail-secure door. */
  'fire.release': z.object({ doorReleased: z.boolean() }),
  'fire.cleared': none,
  /**
   * A face matched a person on a face list (`personId` says whom): which lists, the
   * match and liveness scores, and the sealed face snapshot kept (null when none was).
   */
  'alert.list-match': z.object({
    lists: z.array(z.object({ id: z.string().max(64), purpose: z.enum(['watch', 'missing']) })).max(16),
    score: z.number(),
    liveness: z.number().nullable(),
    spoofSuspected: z.boolean(),
    /** The access event of the same face (its decision). */
    eventSeq: z.number().int().nullable(),
    snapshotId: z.string().max(64).nullable(),
  }),
  /**
   * More distinct faces passed during one open-door window than there were grants:
   * `count` faces for `grants` grants; `grantSeq` is the first grant's event; the
   * snapshots are of the faces beyond the granted ones (those that could be kept).
   */
  'alarm.tailgating': z.object({
    count: z.number().int().nonnegative(),
    grants: z.number().int().nonnegative(),
    grantSeq: z.number().int(),
    snapshotIds: z.array(z.string().max(64)).max(16),
  }),
  /** The vehicle barrier went up (its relay energised). */
  'barrier.opened': z.object({ source: z.enum(BARRIER_OPEN_SOURCES) }),
  /** The vehicle barrier came down: the vehicle passed, nobody came, or an operator closed it. */
  'barrier.closed': z.object({ reason: z.enum(BARRIER_CLOSE_REASONS) }),
  /** The barrier has been up past `barrier.heldOpenMs` (a vehicle on the loop, a stuck detector). */
  'alarm.barrier-held': openMs,
  'alarm.barrier-held-cleared': openMs,
  /**
   * A plate nobody owns, under the ask-guard policy: the terminal waits `waitMs` for an
   * operator's `unlock` with `door: "barrier"`, then records the decision (access.granted
   * with `vehicle.admittedBy` "guard", or access.denied `guard-no-answer`).
   */
  'vehicle.unknown-plate': z.object({
    plate: z.string().max(16),
    colour: z.enum(PLATE_COLOURS).optional(),
    vehicleType: z.string().max(32).optional(),
    direction: z.enum(['in', 'out', 'unknown']).optional(),
    cameraId: z.string().max(64).optional(),
    snapshotId: z.string().max(64).nullable(),
    waitMs: z.number().int().nonnegative(),
  }),
  /** The card reader sent a frame it could not read; `reason` is the reader's error code. */
  'reader.bad-frame': z.object({ message: z.string().max(200) }),
} as const;

export type EventType = keyof typeof eventDataSchemas;
export const EVENT_TYPES = Object.freeze(Object.keys(eventDataSchemas) as EventType[]);
export type EventData<T extends EventType> = z.infer<(typeof eventDataSchemas)[T]>;
export type AccessEventType = 'access.granted' | 'access.denied' | 'face.stranger' | 'face.spoof-suspected';

export function isEventType(s: string): s is EventType {
  return Object.hasOwn(eventDataSchemas, s);
}

/** The fields every event carries besides `type` and `data` (as the firmware hands them to its log). */
export interface EventFields {
  result?: 'granted' | 'denied' | null;
  reason?: string | null;
  personId?: string | null;
  credentialType?: string | null;
  /** Which credential (a card number, a credential id); never a PIN or an image. */
  credentialRef?: string | null;
}

/** An event of one known type, with its data typed; `data` is null or absent when the type has none to say. */
export type TypedEventOf<T extends EventType> = EventFields & { type: T; data?: EventData<T> | null };
/** Any known event: `switch (e.type)` narrows `data`. */
export type TypedEvent = { [T in EventType]: TypedEventOf<T> }[EventType];

/**
 * Whether a received event is of a type this revision knows, with data of that
 * type's shape. The SDK does not drop the others (a newer terminal's): it hands
 * them over with `known: false`, `type` and `data` as sent.
 */
export function isKnownEvent(e: { type: string; data?: Record<string, unknown> | null }): boolean {
  if (!isEventType(e.type)) return false;
  return e.data == null || eventDataSchemas[e.type].safeParse(e.data).success;
}
