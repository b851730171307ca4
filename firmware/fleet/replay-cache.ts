/**
 * Nonces (request ids) of signed requests already accepted, kept while the
 * request could still be valid: until its `expiresAt` plus the clock skew. The
 * dispatcher refuses requests whose `expiresAt` lies more than
 * `LIMITS.maxRequestTtlMs` ahead, so the window, and with it the cache, is bounded
 * in time; `maxEntries` bounds it in size (when full of live entries, new requests
 * are refused as BUSY rather than letting an old nonce fall out).
 *
 * A request's `ts` (covered by the signature) must lie within the clock skew of
 * the terminal's clock on the future side, and no further back than the longest
 * a request may live: a backend whose clock runs ahead cannot mint requests that
 * outlive what this cache remembers.
 *
 * With a `ledger` the accepted ids survive a restart: each one is written durably
 * before the request runs, and a reboot, a crash or a power cut does not reopen
 * the window. Ids are pruned once expired; the largest `expiresAt` pruned is kept
 * as a floor, and a request expiring at or before it is refused, so a pruned id
 * cannot come back even if the clock is set back. Without a ledger (tests, tools)
 * the cache lives in memory and refuses requests issued before it started.
 */
import { LIMITS } from '@limen/sdk/protocol';

export type ReplayVerdict =
  | 'fresh'
  | 'replayed'
  /** Issued before replay protection began (memory-only: before this start). */
  | 'before-start'
  /** Expires at or before the floor of pruned ids: it may have been accepted and forgotten. */
  | 'window-closed'
  | 'future'
  | 'too-old'
  | 'full'
  /** The ledger could not record the id: not accepted. */
  | 'unrecorded';

/** Where accepted ids are kept across restarts (the terminal's store: `StoreReplayLedger`). */
export interface ReplayLedger {
  load(): { since: number | undefined; floor: number; accepted: Array<[id: string, expiresAt: number]> };
  /** Records when protection began; called once, on the first start. */
  begin(since: number): void;
  /** Records an accepted id; durable when it returns. */
  accept(id: string, expiresAt: number): void;
  /** Forgets ids expiring before `cutoff` and raises the floor to `floor`, in one step. */
  prune(cutoff: number, floor: number): void;
}

export interface ReplayCacheOptions {
  startedAt: number;
  clockSkewMs: number;
  /** Default 10 000. */
  maxEntries?: number;
  /** Longest a request may live (default `LIMITS.maxRequestTtlMs`). */
  maxTtlMs?: number;
  ledger?: ReplayLedger;
}

export class ReplayCache {
  /** id -> expiresAt; insertion order is close to expiry order, pruning scans from the front. */
  private readonly seen = new Map<string, number>();
  private readonly max: number;
  private readonly maxTtl: number;
  private readonly since: number;
  private floor = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: ReplayCacheOptions) {
    this.max = o.maxEntries ?? 10_000;
    this.maxTtl = o.maxTtlMs ?? LIMITS.maxRequestTtlMs;
    if (!(this.max > 0)) throw new TypeError('ReplayCache: maxEntries must be > 0');
    if (!o.ledger) {
      this.since = o.startedAt;
      return;
    }
    const state = o.ledger.load();
    if (state.since === undefined) o.ledger.begin(o.startedAt);
    this.since = state.since ?? o.startedAt;
    this.floor = state.floor;
    for (const [id, exp] of state.accepted.sort((a, b) => a[1] - b[1])) this.seen.set(id, exp);
    this.prune(o.startedAt);
  }

  get size(): number {
    return this.seen.size;
  }

  /** Records `id` when fresh (durably, with a ledger). Call only after the signature and expiry checks passed. */
  check(id: string, ts: number, expiresAt: number, now: number): ReplayVerdict {
    const skew = this.o.clockSkewMs;
    if (ts > now + skew) return 'future';
    if (ts < now - this.maxTtl - skew) return 'too-old';
    if (ts < this.since - skew) return 'before-start';
    if (this.seen.has(id)) return 'replayed';
    if (expiresAt <= this.floor) return 'window-closed';
    if (this.seen.size >= this.max) {
      this.prune(now);
      if (this.seen.size >= this.max) return 'full';
    }
    try {
      this.o.ledger?.accept(id, expiresAt);
    } catch {
      return 'unrecorded';
    }
    this.seen.set(id, expiresAt);
    return 'fresh';
  }

  /** Forgets ids that can no longer be valid at `now`; the floor keeps them refused. */
  private prune(now: number): void {
    const cutoff = now - this.o.clockSkewMs;
    const gone = [...this.seen.values()].filter((exp) => exp < cutoff);
    if (gone.length === 0) return;
    const floor = gone.reduce((a, b) => Math.max(a, b), this.floor);
    // The floor is stored with the deletion: a crash between the two cannot reopen a pruned id.
    this.o.ledger?.prune(cutoff, floor);
    for (const [k, exp] of this.seen) if (exp < cutoff) this.seen.delete(k);
    this.floor = floor;
  }
}

/** The reply a verdict other than `fresh` gets: the dispatcher sends it and runs nothing. */
export function replayRefusal(verdict: ReplayVerdict, ts: number, now: number): { code: 'REPLAYED' | 'CLOCK_SKEW' | 'EXPIRED' | 'BUSY' | 'INTERNAL'; message: string } | null {
  switch (verdict) {
    case 'fresh':
      return null;
    case 'replayed':
      return { code: 'REPLAYED', message: 'a request with this id was already accepted; not executed' };
    case 'before-start':
      return { code: 'REPLAYED', message: 'issued before this terminal started; send it again with a new id' };
    case 'window-closed':
      return { code: 'REPLAYED', message: 'expires before requests this terminal has already forgotten; send it again with a new id' };
    case 'future':
      return { code: 'CLOCK_SKEW', message: `issued ${ts - now} ms ahead of this terminal's clock; check the backend's clock` };
    case 'too-old':
      return { code: 'EXPIRED', message: `issued ${now - ts} ms ago, longer than any request may live; not executed` };
    case 'full':
      return { code: 'BUSY', message: 'too many recent signed requests' };
    case 'unrecorded':
      return { code: 'INTERNAL', message: 'the terminal could not record the request id; not executed' };
  }
}
