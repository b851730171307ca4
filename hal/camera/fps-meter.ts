/** Frames per second over a sliding window of capture times. */
export class FpsMeter {
  private times: number[] = [];
  private since = 0;

  constructor(private readonly windowMs: number) {
    if (!(windowMs > 0)) throw new TypeError(`FpsMeter: windowMs must be > 0, got ${windowMs}`);
  }

  /** Starts counting afresh at `now`. */
  reset(now: number): void {
    this.times = [];
    this.since = now;
  }

  record(now: number): void {
    this.times.push(now);
    if (this.times.length > 4096) this.prune(now);
  }

  /** Frames in the last window (or since reset, if shorter) per second. */
  rate(now: number): number {
    this.prune(now);
    const span = Math.min(this.windowMs, now - this.since);
    return span > 0 ? (this.times.length * 1000) / span : 0;
  }

  private prune(now: number): void {
    const from = now - this.windowMs;
    let drop = 0;
    while (drop < this.times.length && this.times[drop]! <= from) drop++;
    if (drop) this.times = this.times.slice(drop);
  }
}
