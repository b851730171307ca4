/**
 * Gallery sync: brings one terminal's gallery to the source's version. It asks the
 * terminal for its version, sends the changes since then (or, when the source
 * cannot say what changed, everything in `replace` mode) in chunks that fit one
 * message, and commits. Chunks are pipelined a few at a time. The session id is
 * derived from the versions, so a sync that was cut off (timeout, reconnect,
 * process restart) resumes where the terminal stands instead of starting over.
 */
import { createHash } from 'node:crypto';
import { FleetError, RejectedError } from './errors.js';
import {
  LIMITS,
  describeIssues,
  galleryChange,
  type CommandName,
  type CommandRequest,
  type CommandResult,
  type GalleryChange,
  type PersonRecord,
} from './protocol/index.js';

type SomeIterable<T> = Iterable<T> | AsyncIterable<T>;

/** What a backend's gallery offers to a sync. */
export interface GallerySource {
  /** The version a terminal has once synced (a positive integer that grows with every change). */
  readonly version: number;
  /** The changes from `fromVersion` to `version`, in order; null when unknown (a full replace follows). */
  changesSince(fromVersion: number): SomeIterable<GalleryChange> | null;
  /** Every person at `version` (used for a full replace). */
  snapshot(): SomeIterable<PersonRecord>;
  /** Number of changes `changesSince(fromVersion)` yields (or of persons in the snapshot for -1), when known; only for progress. */
  count?(fromVersion: number): number | undefined;
}

/** A source for a backend that keeps no change log: a terminal at another version gets a full replace. */
export function gallerySnapshot(version: number, persons: PersonRecord[]): GallerySource {
  if (!Number.isSafeInteger(version) || version < 1) throw new TypeError('gallerySnapshot: version must be a positive integer');
  return {
    version,
    changesSince: (from) => (from === version ? [] : null),
    snapshot: () => persons,
    count: (from) => (from === version ? 0 : persons.length),
  };
}

export interface SyncProgress {
  terminal: string;
  phase: 'sending' | 'committing' | 'done';
  mode: 'delta' | 'replace' | 'none';
  fromVersion: number;
  toVersion: number;
  /** Changes the terminal holds in this session (including ones from an earlier, interrupted run). */
  applied: number;
  total: number | undefined;
}

export interface SyncResult {
  terminal: string;
  mode: 'delta' | 'replace' | 'none';
  version: number;
  size: number;
  /** Changes sent by this call. */
  sent: number;
  /** Changes the terminal already held from an interrupted run. */
  resumedAt: number;
}

export interface SyncOptions {
  onProgress?: (p: SyncProgress) => void;
  /** Serialised bytes per chunk (default LIMITS.maxMessageBytes - 16 KiB). */
  chunkBytes?: number;
  /** Chunks in flight (default 4). */
  window?: number;
  /** Per-request timeout (default: the fleet's). */
  timeoutMs?: number;
  /** Attempts after a timeout or an out-of-order chunk before giving up (default 3). */
  retries?: number;
}

export type Requester = <N extends CommandName>(
  name: N,
  body: CommandRequest<N>,
  opts: { timeoutMs?: number; validated?: boolean },
) => Promise<CommandResult<N>>;

async function* iterate<T>(it: SomeIterable<T>): AsyncGenerator<T> {
  yield* it as AsyncIterable<T>;
}

function sessionId(mode: string, from: number, to: number): string {
  return `g-${createHash('sha256').update(`${mode}:${from}:${to}`).digest('base64url').slice(0, 16)}`;
}

/** Validates and sizes changes, and cuts them into chunks. */
async function* chunks(changes: AsyncGenerator<GalleryChange>, skip: number, maxBytes: number): AsyncGenerator<GalleryChange[]> {
  let index = 0;
  let chunk: GalleryChange[] = [];
  let bytes = 0;
  for await (const raw of changes) {
    if (index++ < skip) continue;
    const parsed = galleryChange.safeParse(raw);
    if (!parsed.success) throw new TypeError(`gallery change #${index - 1}: ${describeIssues(parsed.error)}`);
    const size = JSON.stringify(parsed.data).length + 1;
    if (size > maxBytes) throw new TypeError(`gallery change #${index - 1} is ${size} bytes, more than a chunk (${maxBytes})`);
    if (chunk.length > 0 && (bytes + size > maxBytes || chunk.length >= LIMITS.maxChangesPerChunk)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(parsed.data);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

export async function syncGallery(terminal: string, request: Requester, source: GallerySource, opts: SyncOptions = {}): Promise<SyncResult> {
  if (!Number.isSafeInteger(source.version) || source.version < 1) throw new TypeError('gallery source: version must be a positive integer');
  const retries = opts.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    try {
      return await attemptSync(terminal, request, source, opts);
    } catch (err) {
      const retryable = err instanceof FleetError && (err.code === 'TIMEOUT' || err.code === 'OUT_OF_ORDER' || err.code === 'BUSY');
      if (!retryable || attempt >= retries) throw err;
    }
  }
}

async function attemptSync(terminal: string, request: Requester, source: GallerySource, opts: SyncOptions): Promise<SyncResult> {
  const t = { timeoutMs: opts.timeoutMs };
  const status = await request('gallery.status', {}, t);
  const to = source.version;
  const report = (p: Omit<SyncProgress, 'terminal' | 'toVersion'>) => opts.onProgress?.({ terminal, toVersion: to, ...p });
  if (status.version === to && !status.session) {
    report({ phase: 'done', mode: 'none', fromVersion: to, applied: 0, total: 0 });
    return { terminal, mode: 'none', version: to, size: status.size, sent: 0, resumedAt: 0 };
  }
  // An unfinished session towards this version is resumed as it was begun.
  const open = status.session && status.session.toVersion === to ? status.session : null;
  const from = open ? open.fromVersion : status.version;
  const delta = open ? (open.mode === 'delta' ? source.changesSince(from) : null) : source.changesSince(from);
  const mode: 'delta' | 'replace' = delta ? 'delta' : 'replace';
  const stream: AsyncGenerator<GalleryChange> = delta
    ? iterate(delta)
    : (async function* () {
        for await (const person of iterate(source.snapshot())) yield { op: 'upsert', person } as GalleryChange;
      })();
  const total = source.count?.(mode === 'delta' ? from : -1);
  const session = sessionId(mode, from, to);
  const begun = await request('gallery.begin', { session, mode, fromVersion: from, toVersion: to, ...(total !== undefined ? { total } : {}) }, t);
  const resumedAt = begun.applied;
  let offset = resumedAt;
  let applied = resumedAt;
  report({ phase: 'sending', mode, fromVersion: from, applied, total });

  const window = Math.max(1, opts.window ?? 4);
  const inFlight: Array<Promise<{ applied: number }>> = [];
  const settle = async () => {
    const r = await inFlight.shift()!;
    applied = r.applied;
    report({ phase: 'sending', mode, fromVersion: from, applied, total });
  };
  try {
    for await (const changes of chunks(stream, resumedAt, opts.chunkBytes ?? LIMITS.maxMessageBytes - 16 * 1024)) {
      inFlight.push(request('gallery.chunk', { session, offset, changes }, { ...t, validated: true }));
      offset += changes.length;
      if (inFlight.length >= window) await settle();
    }
    while (inFlight.length > 0) await settle();
  } finally {
    // Later chunks of a failed pipeline fail too; their rejections are expected.
    for (const p of inFlight) p.catch(() => undefined);
  }
  if (applied !== offset) throw new RejectedError('OUT_OF_ORDER', `terminal holds ${applied} changes, ${offset} were sent`, terminal);
  report({ phase: 'committing', mode, fromVersion: from, applied, total });
  const done = await request('gallery.commit', { session }, t);
  report({ phase: 'done', mode, fromVersion: from, applied, total });
  return { terminal, mode, version: done.version, size: done.size, sent: offset - resumedAt, resumedAt };
}
