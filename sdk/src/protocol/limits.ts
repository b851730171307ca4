/** Size and count limits every peer enforces. Both sides check before sending and on receipt. */
export const LIMITS = Object.freeze({
  /** Largest MQTT payload, in bytes, either side sends or accepts. */
  maxMessageBytes: 256 * 1024,
  /**
   * When a payload is too large or not JSON, a terminal looks for `id` and `replyTo`
   * in this many leading bytes so that it can still send an error reply. Every
   * encoder here writes the envelope fields first.
   */
  salvageBytes: 1024,
  /** Requests whose `expiresAt` lies further ahead than this are refused (bounds replay caches). */
  maxRequestTtlMs: 60 * 60 * 1000,
  /** Events in one batch on the `events` topic. */
  maxBatchEvents: 500,
  /** Seq ranges in one acknowledgement. */
  maxAckRanges: 1000,
  /** Persons in one `persons.upsert`. */
  maxPersonsPerUpsert: 1000,
  /** Ids in one `persons.remove`. */
  maxIdsPerRemove: 10_000,
  /** Changes in one `gallery.chunk`. */
  maxChangesPerChunk: 5000,
  /** Events in one `events.query` reply. */
  maxQueryEvents: 1000,
  /** Decoded bytes of one enrolment photo. */
  maxPhotoBytes: 192 * 1024,
  /** Decoded bytes of one face snapshot a `snapshots.get` reply carries. */
  maxFaceSnapshotBytes: 64 * 1024,
  /** Passes in one `passes.revoke`. */
  maxPassesPerRevoke: 1000,
  /** Serialised `data` of one event (the store enforces the same). */
  maxEventDataBytes: 16 * 1024,
});

export type Limits = typeof LIMITS;
