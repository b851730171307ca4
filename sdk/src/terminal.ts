/** Handles for one terminal and for a group of terminals. Every call is one typed request in, one promise out. */
import { syncGallery, type GallerySource, type SyncOptions, type SyncResult } from './gallery-sync.js';
import {
  LIMITS,
  describeIssues,
  personRecord,
  type CommandName,
  type CommandRequest,
  type CommandResult,
  type ConfigReportedBody,
  type PersonRecord,
  type WireEvent,
} from './protocol/index.js';
import type { TerminalInfo } from './registry.js';

export interface RequestOptions {
  /** Reply deadline, ms (default: the fleet's `requestTimeoutMs`). The request's `expiresAt` is set to the same instant. */
  timeoutMs?: number;
}

/** What the handles need from the fleet client. */
export interface FleetLink {
  request<N extends CommandName>(terminal: string, name: N, body: CommandRequest<N>, opts?: RequestOptions & { validated?: boolean }): Promise<CommandResult<N>>;
  info(terminal: string): TerminalInfo | undefined;
  members(group: string): string[];
  desire(terminal: string, config: Record<string, unknown>, opts: DesireOptions): Promise<DesireResult>;
}

export interface DesireOptions {
  /** Default: one more than the highest desired or reported version known. */
  version?: number;
  /** Wait until the terminal reports the version applied (default true). */
  wait?: boolean;
  /** How long to wait for the report (default: the fleet's request timeout). */
  timeoutMs?: number;
}

export interface DesireResult {
  version: number;
  /** The terminal's report, when waited for. */
  reported: ConfigReportedBody | null;
}

export interface Snapshot {
  ts: number;
  mime: 'image/jpeg' | 'image/png' | 'image/webp';
  width: number;
  height: number;
  data: Buffer;
}

/** Splits persons into requests that each fit one message. */
function personBatches(persons: PersonRecord[]): PersonRecord[][] {
  const max = LIMITS.maxMessageBytes - 8 * 1024;
  const out: PersonRecord[][] = [];
  let cur: PersonRecord[] = [];
  let bytes = 0;
  for (const [i, p] of persons.entries()) {
    const parsed = personRecord.safeParse(p);
    if (!parsed.success) throw new TypeError(`persons[${i}]: ${describeIssues(parsed.error)}`);
    const size = JSON.stringify(parsed.data).length + 1;
    if (size > max) throw new TypeError(`persons[${i}] is ${size} bytes as JSON, more than one message holds (${max})`);
    if (cur.length > 0 && (bytes + size > max || cur.length >= LIMITS.maxPersonsPerUpsert)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(parsed.data);
    bytes += size;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

export class Terminal {
  constructor(
    readonly id: string,
    private readonly link: FleetLink,
  ) {}

  /** What the fleet knows about this terminal (undefined if it never announced itself). */
  info(): TerminalInfo | undefined {
    return this.link.info(this.id);
  }

  ping(opts?: RequestOptions): Promise<CommandResult<'ping'>> {
    return this.link.request(this.id, 'ping', {}, opts);
  }

  /** Opens the door for `durationMs`; resolves with when it locks again. */
  unlock(req: CommandRequest<'unlock'>, opts?: RequestOptions): Promise<CommandResult<'unlock'>> {
    return this.link.request(this.id, 'unlock', req, opts);
  }

  readonly barrier = {
    /**
     * Brings a vehicle gate's barrier down now (open it with `unlock({door: "barrier"})`).
     * Rejects with REJECTED while a vehicle is on the loop or a fire holds it up.
     */
    close: (opts?: RequestOptions): Promise<CommandResult<'barrier.close'>> => this.link.request(this.id, 'barrier.close', {}, opts),
  };

  reboot(req: CommandRequest<'reboot'> = {}, opts?: RequestOptions): Promise<CommandResult<'reboot'>> {
    return this.link.request(this.id, 'reboot', req, opts);
  }

  async snapshot(req: CommandRequest<'snapshot'> = {}, opts?: RequestOptions): Promise<Snapshot> {
    const r = await this.link.request(this.id, 'snapshot', req, opts);
    return { ...r, data: Buffer.from(r.data, 'base64') };
  }

  /**
   * A sealed face snapshot an alert names (`alert.list-match` `snapshotId`,
   * `alarm.tailgating` `snapshotIds`), as JPEG bytes. NOT_FOUND when the terminal has none.
   */
  async faceSnapshot(id: string, opts?: RequestOptions): Promise<Omit<CommandResult<'snapshots.get'>, 'data'> & { data: Buffer }> {
    const r = await this.link.request(this.id, 'snapshots.get', { id }, opts);
    return { ...r, data: Buffer.from(r.data, 'base64') };
  }

  readonly config = {
    /** The last desired and reported config seen (retained messages). */
    get: () => this.info()?.config ?? { desired: null, reported: null },
    /** Applies a config now (request/response); the version defaults to one past the known ones. */
    set: (config: Record<string, unknown>, opts: RequestOptions & { version?: number } = {}) => {
      const known = this.info()?.config;
      const version = opts.version ?? Math.max(known?.desired?.version ?? 0, known?.reported?.version ?? 0) + 1;
      return this.link.request(this.id, 'config.set', { version, config }, opts);
    },
    /**
     * Publishes the desired config (retained: an offline terminal applies it when it
     * connects) and, unless `wait: false`, resolves once the terminal reports it
     * applied or rejects with the terminal's reason.
     */
    desire: (config: Record<string, unknown>, opts: DesireOptions = {}) => this.link.desire(this.id, config, opts),
  };

  readonly persons = {
    /** Adds or replaces persons; large lists go out in several requests. */
    upsert: async (persons: PersonRecord[], opts?: RequestOptions): Promise<CommandResult<'persons.upsert'>> => {
      let upserted = 0;
      for (const batch of personBatches(persons)) {
        upserted += (await this.link.request(this.id, 'persons.upsert', { persons: batch }, { ...opts, validated: true })).upserted;
      }
      return { upserted };
    },
    remove: async (ids: string[], opts?: RequestOptions): Promise<CommandResult<'persons.remove'>> => {
      let removed = 0;
      for (let i = 0; i < ids.length; i += LIMITS.maxIdsPerRemove) {
        removed += (await this.link.request(this.id, 'persons.remove', { ids: ids.slice(i, i + LIMITS.maxIdsPerRemove) }, opts)).removed;
      }
      return { removed };
    },
  };

  readonly gallery = {
    status: (opts?: RequestOptions) => this.link.request(this.id, 'gallery.status', {}, opts),
    /** Brings the terminal's gallery to `source.version` (delta when possible, resumable). */
    sync: (source: GallerySource, opts: SyncOptions = {}): Promise<SyncResult> =>
      syncGallery(this.id, (name, body, o) => this.link.request(this.id, name, body, o), source, opts),
  };

  readonly accessRules = {
    /**
     * Sets the terminal's schedules, holidays and groups in one transaction (groups not
     * named stay). A `version` at or below the terminal's changes nothing (`applied: false`),
     * so a retried push is harmless.
     */
    set: (rules: CommandRequest<'access.rules.set'>, opts?: RequestOptions): Promise<CommandResult<'access.rules.set'>> =>
      this.link.request(this.id, 'access.rules.set', rules, opts),
  };

  readonly passes = {
    /**
     * Stops visitor passes at this terminal before they expire (used up across the site,
     * or cancelled): refused with `pass-revoked` until each one's `validUntil`. Long lists
     * go out in several requests; revoking a pass twice is harmless.
     */
    revoke: async (passes: CommandRequest<'passes.revoke'>['passes'], opts?: RequestOptions): Promise<CommandResult<'passes.revoke'>> => {
      let revoked = 0;
      for (let i = 0; i < passes.length; i += LIMITS.maxPassesPerRevoke) {
        revoked += (await this.link.request(this.id, 'passes.revoke', { passes: passes.slice(i, i + LIMITS.maxPassesPerRevoke) }, opts)).revoked;
      }
      return { revoked };
    },
  };

  readonly liveness = {
    /**
     * Site calibration: the terminal records `approaches` genuine approaches at its camera
     * (at most `timeoutMs`), sets and stores its liveness threshold from their scores, and
     * answers with the scores, the threshold and the floor. The reply deadline defaults to
     * `timeoutMs` plus 30 s.
     */
    calibrate: (req: CommandRequest<'liveness.calibrate'>, opts?: RequestOptions): Promise<CommandResult<'liveness.calibrate'>> =>
      this.link.request(this.id, 'liveness.calibrate', req, { timeoutMs: req.timeoutMs + 30_000, ...opts }),
  };

  readonly events = {
    /** Reads the terminal's event log (independent of delivery and acknowledgement). */
    query: async (q: CommandRequest<'events.query'> = {}, opts?: RequestOptions): Promise<WireEvent[]> =>
      (await this.link.request(this.id, 'events.query', q, opts)).events,
  };
}

/** One terminal's outcome in a group operation. */
export type GroupResult<T> = { terminal: string; ok: true; value: T } | { terminal: string; ok: false; error: Error };

/** Runs `fn` for each terminal, at most `concurrency` at a time; never rejects. */
async function fanOut<T>(ids: string[], concurrency: number, fn: (id: string) => Promise<T>): Promise<Array<GroupResult<T>>> {
  const results: Array<GroupResult<T>> = new Array(ids.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < ids.length; i = next++) {
      const terminal = ids[i]!;
      try {
        results[i] = { terminal, ok: true, value: await fn(terminal) };
      } catch (error) {
        results[i] = { terminal, ok: false, error: error instanceof Error ? error : new Error(String(error)) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return results;
}

/**
 * Terminals addressed together: either every terminal whose presence lists a group
 * name (resolved at each call), or a fixed list of ids. Each call returns one
 * result per terminal and never rejects as a whole.
 */
export class Group {
  constructor(
    private readonly selector: string | readonly string[],
    private readonly terminal: (id: string) => Terminal,
    private readonly link: FleetLink,
    private readonly concurrency = 8,
  ) {}

  /** The terminal ids the group stands for right now. */
  members(): string[] {
    return typeof this.selector === 'string' ? this.link.members(this.selector) : [...this.selector];
  }

  unlock(req: CommandRequest<'unlock'>, opts?: RequestOptions) {
    return fanOut(this.members(), this.concurrency, (id) => this.terminal(id).unlock(req, opts));
  }

  readonly persons = {
    upsert: (persons: PersonRecord[], opts?: RequestOptions) =>
      fanOut(this.members(), this.concurrency, (id) => this.terminal(id).persons.upsert(persons, opts)),
    remove: (ids: string[], opts?: RequestOptions) => fanOut(this.members(), this.concurrency, (id) => this.terminal(id).persons.remove(ids, opts)),
  };

  readonly config = {
    desire: (config: Record<string, unknown>, opts: DesireOptions = {}) =>
      fanOut(this.members(), this.concurrency, (id) => this.terminal(id).config.desire(config, opts)),
  };

  readonly gallery = {
    sync: (source: GallerySource, opts: SyncOptions = {}) => fanOut(this.members(), Math.min(4, this.concurrency), (id) => this.terminal(id).gallery.sync(source, opts)),
  };
}
