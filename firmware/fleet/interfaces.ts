/**
 * What the fleet agent needs from the rest of the firmware. The agent is coded
 * against these small interfaces; `firmware/terminal.ts` plugs in the store,
 * the door and the camera. `memory.ts` has in-memory versions for the simulator.
 */
import type { Unsubscribe } from '../../hal/events.js';
import type {
  CommandName,
  CommandRequest,
  CommandResult,
  GalleryChange,
  GallerySession,
  HealthBody,
  PersonRecord,
} from '@limen/sdk/protocol';

export type MaybePromise<T> = T | Promise<T>;

/** An event as the terminal stores it. `firmware/store`'s `StoredEvent` has this shape. */
export interface OutboxEvent {
  seq: number;
  ts: number;
  type: string;
  result?: 'granted' | 'denied' | null;
  reason?: string | null;
  personId?: string | null;
  credentialType?: string | null;
  credentialRef?: string | null;
  data?: Record<string, unknown> | null;
}

export type EventsQuery = CommandRequest<'events.query'>;

/**
 * The event log with its outbox cursor (`store.events` satisfies it).
 * Contract: seqs ascend; `pendingAfterAck(n)` returns the first n events with
 * seq > `ackedSeq()` in seq order; `ack(s)` moves the cursor forward only and
 * survives restarts; `onAppend` fires after each committed append.
 */
export interface EventSource {
  pendingAfterAck(limit: number): MaybePromise<OutboxEvent[]>;
  ack(throughSeq: number): MaybePromise<unknown>;
  ackedSeq(): MaybePromise<number>;
  onAppend(handler: (event: OutboxEvent) => void): Unsubscribe;
  /** Highest seq ever assigned; used for the outbox depth in health. */
  latestSeq?(): MaybePromise<number>;
  /** Serves the `events.query` command when present. */
  query?(q: EventsQuery): MaybePromise<OutboxEvent[]>;
}

export interface CommandContext {
  command: CommandName;
  requestId: string;
  expiresAt: number;
}

/** A still image as the camera hands it over; the agent base64-encodes `data`. */
export interface Snapshot {
  ts: number;
  mime: 'image/jpeg' | 'image/png' | 'image/webp';
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * The terminal's gallery of enrolled persons, versioned for sync. Changes are
 * idempotent (upsert replaces, remove of an unknown id is fine), so re-applying
 * a chunk after a lost reply is harmless. Throw `CommandError` with
 * VERSION_MISMATCH / OUT_OF_ORDER / NOT_FOUND as the command docs describe.
 */
export interface GalleryStore {
  status(): MaybePromise<{ version: number; size: number; session: GallerySession | null }>;
  /**
   * Starts a session, or resumes the unfinished one with the same id (returning its `applied`).
   * `total` is the number of changes the backend announced, when it did.
   */
  begin(session: Omit<GallerySession, 'applied'> & { total?: number }): MaybePromise<{ applied: number }>;
  /** Applies changes at `offset` (which must equal the session's `applied`). */
  apply(session: string, offset: number, changes: GalleryChange[]): MaybePromise<{ applied: number }>;
  /** Moves the gallery to the session's `toVersion`; `replace` sessions drop persons they did not upsert. */
  commit(session: string): MaybePromise<{ version: number; size: number }>;
}

/**
 * Command implementations. A missing one answers NOT_SUPPORTED. Throw
 * `CommandError` to refuse with a code; any other error answers INTERNAL.
 */
export interface CommandHandlers {
  unlock?(req: CommandRequest<'unlock'>, ctx: CommandContext): MaybePromise<CommandResult<'unlock'>>;
  /** A vehicle gate's barrier down now; throw CommandError REJECTED while a vehicle is under it. */
  closeBarrier?(req: CommandRequest<'barrier.close'>, ctx: CommandContext): MaybePromise<CommandResult<'barrier.close'>>;
  /** Schedule the restart; the agent sends the reply before `at`. */
  reboot?(req: CommandRequest<'reboot'>, ctx: CommandContext): MaybePromise<CommandResult<'reboot'>>;
  persons?: {
    upsert(persons: PersonRecord[], ctx: CommandContext): MaybePromise<CommandResult<'persons.upsert'>>;
    remove(ids: string[], ctx: CommandContext): MaybePromise<CommandResult<'persons.remove'>>;
  };
  gallery?: GalleryStore;
  snapshot?(req: CommandRequest<'snapshot'>, ctx: CommandContext): MaybePromise<Snapshot>;
  /** A sealed face snapshot by id (what alerts name); throw CommandError NOT_FOUND when there is none. */
  faceSnapshot?(req: CommandRequest<'snapshots.get'>, ctx: CommandContext): MaybePromise<CommandResult<'snapshots.get'>>;
  /** Site calibration of liveness (records approaches for up to `timeoutMs`). */
  calibrateLiveness?(req: CommandRequest<'liveness.calibrate'>, ctx: CommandContext): MaybePromise<CommandResult<'liveness.calibrate'>>;
  /** Schedules, holidays and groups from the fleet, applied at once and once per version. */
  setAccessRules?(req: CommandRequest<'access.rules.set'>, ctx: CommandContext): MaybePromise<CommandResult<'access.rules.set'>>;
  /** Visitor passes to refuse from now until they expire (used up across the site, or cancelled). */
  revokePasses?(req: CommandRequest<'passes.revoke'>, ctx: CommandContext): MaybePromise<CommandResult<'passes.revoke'>>;
}

export interface ConfigState {
  /** 0 before any fleet config was applied. */
  version: number;
  config: Record<string, unknown>;
}

/** Applies fleet configuration (desired state and `config.set`). */
export interface ConfigHandler {
  current(): MaybePromise<ConfigState>;
  /**
   * Validates and applies `config` as `version`; resolves with the config now in
   * force (or nothing, meaning `config` as given). Refuse with
   * `CommandError('CONFIG_REJECTED', reason)`; nothing may change then.
   */
  apply(config: Record<string, unknown>, version: number): MaybePromise<Record<string, unknown> | void>;
}

/**
 * Readings only the firmware knows; the agent adds system figures, the gallery's
 * persons and version, and the outbox itself (see health.ts).
 */
export type HealthSample = Partial<Pick<HealthBody, 'cpuTempC' | 'camera' | 'model' | 'disk'>> & {
  /** Face templates in the live matcher, while face recognition runs. */
  templates?: number;
};
export type HealthProbe = () => MaybePromise<HealthSample>;
