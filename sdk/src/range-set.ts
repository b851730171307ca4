/** A set of integers kept as sorted, disjoint, non-adjacent inclusive ranges. */
export class RangeSet {
  private ranges: Array<[number, number]> = [];

  has(n: number): boolean {
    const i = this.find(n);
    const r = this.ranges[i];
    return r !== undefined && r[0] <= n && n <= r[1];
  }

  add(n: number): void {
    const i = this.find(n);
    const cur = this.ranges[i];
    if (cur && cur[0] <= n && n <= cur[1]) return;
    const before = this.ranges[i - 1];
    const joinsBefore = before !== undefined && before[1] === n - 1;
    const joinsAfter = cur !== undefined && cur[0] === n + 1;
    if (joinsBefore && joinsAfter) {
      before[1] = cur[1];
      this.ranges.splice(i, 1);
    } else if (joinsBefore) before[1] = n;
    else if (joinsAfter) cur[0] = n;
    else this.ranges.splice(i, 0, [n, n]);
  }

  /** Forgets everything at or below `n`. */
  dropThrough(n: number): void {
    while (this.ranges.length > 0 && this.ranges[0]![1] <= n) this.ranges.shift();
    const first = this.ranges[0];
    if (first && first[0] <= n) first[0] = n + 1;
  }

  /** The ranges, as `[from, to]` pairs. */
  toArray(): Array<[number, number]> {
    return this.ranges.map(([a, b]) => [a, b]);
  }

  get rangeCount(): number {
    return this.ranges.length;
  }

  /** Index of the first range whose end is >= n. */
  private find(n: number): number {
    let lo = 0;
    let hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ranges[mid]![1] < n) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Compresses ascending integers into inclusive ranges. */
export function toRanges(sorted: number[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const n of sorted) {
    const last = out[out.length - 1];
    if (last && n === last[1] + 1) last[1] = n;
    else out.push([n, n]);
  }
  return out;
}
