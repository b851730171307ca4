/**
 * Nonces (request ids) of signed requests already accepted, kept while the
 * request could still be valid: until its `expiresAt` plus the clock skew. The
 * dispatcher refuses requests whose `expiresAt` lies more than
 * `LIMITS.maxRequestTtlMs` ahead, so the window, and with it the cache, is bounded
 * in time; `maxEntries` bounds it in size (when full of live entries, new requests
 * are refused as BUSY rather than letting an old nonce fall out).
 *
 * It lives in memory. After a restart it cannot know what it accepted before, so
 * it refuses signed requests issued (`ts`, which the signature covers) earlier
 * than its start minus the clock skew: a replay after a reboot is refused too,
 * and a backend only has to retry what was in flight during the reboot.
 */
export type ReplayVerdict = 'fresh' | 'replayed' | 'before-start' | 'full';

export interface ReplayCacheOptions {
  startedAt: number;
  clockSkewMs: number;
  /** Default 10 000. */
  maxEntries?: number;
}

export class ReplayCache {
  /** id -> expiresAt; insertion order is close to expiry order, pruning scans from the front. */
  private readonly seen = new Map<string, number>();
  private readonly max: number;

  constructor(private readonly o: ReplayCacheOptions) {
    this.max = o.maxEntries ?? 10_000;
    if (!(this.max > 0)) throw new TypeError('ReplayCache: maxEntries must be > 0');
  }

  get size(): number {
    return this.seen.size;
  }

  /** Records `id` when fresh. Call only after the signature and expiry checks passed. */
  check(id: string, ts: number, expiresAt: number, now: number): ReplayVerdict {
    if (ts < this.o.startedAt - this.o.clockSkewMs) return 'before-start';
    if (this.seen.has(id)) return 'replayed';
    if (this.seen.size >= this.max) {
      for (const [k, exp] of this.seen) if (exp + this.o.clockSkewMs < now) this.seen.delete(k);
      if (this.seen.size >= this.max) return 'full';
    }
    this.seen.set(id, expiresAt);
    return 'fresh';
  }
}
