// Evaluation metrics for the vision benchmarks (and for calibrating thresholds on a
// site's own data): ROC AUC, EER, TAR at a FAR, DET points, percentiles.

/** Area under the ROC curve: P(genuine score > impostor score), ties count half. */
export function rocAuc(genuine: readonly number[], impostor: readonly number[]): number {
  if (genuine.length === 0 || impostor.length === 0) return Number.NaN;
  const all = [...genuine.map((s) => ({ s, g: 1 })), ...impostor.map((s) => ({ s, g: 0 }))].sort((a, b) => a.s - b.s);
  // Mann–Whitney U from average ranks.
  let rankSumG = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]!.s === all[i]!.s) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k]!.g) rankSumG += avgRank;
    i = j;
  }
  const u = rankSumG - (genuine.length * (genuine.length + 1)) / 2;
  return u / (genuine.length * impostor.length);
}

export interface OperatingPoint {
  threshold: number;
  /** Impostor scores ≥ threshold, as a fraction. */
  far: number;
  /** Genuine scores < threshold, as a fraction. */
  frr: number;
}

/** FAR/FRR at every distinct score used as threshold (accept when score ≥ threshold). */
export function operatingPoints(genuine: readonly number[], impostor: readonly number[]): OperatingPoint[] {
  const g = [...genuine].sort((a, b) => a - b);
  const im = [...impostor].sort((a, b) => a - b);
  const thresholds = [...new Set([...g, ...im, Infinity])].sort((a, b) => a - b);
  const out: OperatingPoint[] = [];
  let gi = 0;
  let ii = 0;
  for (const t of thresholds) {
    while (gi < g.length && g[gi]! < t) gi++;
    while (ii < im.length && im[ii]! < t) ii++;
    out.push({ threshold: t, far: im.length ? (im.length - ii) / im.length : 0, frr: g.length ? gi / g.length : 0 });
  }
  return out;
}

/** Equal error rate: where FAR and FRR cross (mean of the two at the closest point). */
export function equalErrorRate(genuine: readonly number[], impostor: readonly number[]): { eer: number; threshold: number } {
  let best = { gap: Infinity, eer: Number.NaN, threshold: Number.NaN };
  for (const p of operatingPoints(genuine, impostor)) {
    const gap = Math.abs(p.far - p.frr);
    if (gap < best.gap) best = { gap, eer: (p.far + p.frr) / 2, threshold: p.threshold };
  }
  return { eer: best.eer, threshold: best.threshold };
}

/**
 * True accept rate at the lowest threshold whose FAR ≤ `far`. With N impostor scores the
 * resolution is 1/N: below that, it is the TAR above the highest impostor score.
 */
export function tarAtFar(genuine: readonly number[], impostor: readonly number[], far: number): { tar: number; threshold: number } {
  for (const p of operatingPoints(genuine, impostor)) {
    if (p.far <= far) return { tar: 1 - p.frr, threshold: p.threshold };
  }
  return { tar: 0, threshold: Infinity };
}

/** The q-quantile (0..1) by linear interpolation; NaN for an empty list. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** A text histogram line: counts of `values` in `bins` equal bins over [lo, hi]. */
export function histogram(values: readonly number[], bins = 10, lo = 0, hi = 1): number[] {
  const out = new Array<number>(bins).fill(0);
  for (const v of values) {
    const i = Math.min(bins - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo)) * bins)));
    out[i]!++;
  }
  return out;
}
