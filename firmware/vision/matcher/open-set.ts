import type { SearchHit } from './matcher.js';

/** What a calibration rests on, so a threshold never travels without its evidence. */
export interface Calibration {
  /** Accept a search when its best score is >= this. */
  threshold: number;
  targetFpir: number;
  /** Impostor (non-mated) searches the threshold rests on. */
  impostorCount: number;
  /** Of those, how many the threshold still accepts. */
  acceptedImpostors: number;
  /** acceptedImpostors / impostorCount: the FPIR measured on the calibration set (<= target). */
  achievedFpir: number;
  /**
   * Whether there are enough impostor searches to support the target: at least
   * 3 / targetFpir (the "rule of three": with no errors in 3/p trials the 95%
   * upper bound on the error rate is about p). Below that the threshold only
   * says "above every impostor seen", not "FPIR <= target".
   */
  sufficient: boolean;
}

/** The smallest float64 greater than x (x finite). */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  view.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

/**
 * Picks the lowest threshold whose false-positive identification rate on the
 * given impostor searches is at most `targetFpir`.
 *
 * `impostorScores` holds, for each search by someone NOT enrolled, the best
 * score the gallery returned (the top-1 score of a non-mated search: that is
 * what FPIR counts, per ISO/IEC 19795-1). With n scores sorted high to low and
 * a = floor(targetFpir · n) false accepts allowed, the threshold sits just above
 * the (a+1)-th highest score, so at most a scores reach it (ties at that score
 * are all rejected).
 */
export function calibrate(impostorScores: ArrayLike<number>, targetFpir: number): Calibration {
  if (!(targetFpir > 0 && targetFpir < 1)) throw new TypeError(`targetFpir must be in (0, 1), got ${targetFpir}`);
  const n = impostorScores?.length ?? 0;
  if (!(n > 0)) throw new TypeError('calibrate needs at least one impostor score');
  const sorted = Float64Array.from(impostorScores);
  for (const s of sorted) if (!Number.isFinite(s)) throw new TypeError('impostor scores must be finite numbers');
  sorted.sort().reverse();
  const allowed = Math.floor(targetFpir * n);
  const threshold = nextUp(sorted[allowed]!);
  let accepted = 0;
  while (accepted < n && sorted[accepted]! >= threshold) accepted++;
  return {
    threshold,
    targetFpir,
    impostorCount: n,
    acceptedImpostors: accepted,
    achievedFpir: accepted / n,
    sufficient: n >= Math.ceil(3 / targetFpir),
  };
}

export type OpenSetDecision =
  | { kind: 'match'; personId: string; templateId: string; score: number; threshold: number }
  /** Nobody in the gallery scored high enough: a stranger. `bestScore` is null for an empty gallery. */
  | { kind: 'unknown'; bestScore: number | null; threshold: number };

export interface OpenSetPolicyOptions {
  threshold: number;
  /** Where the threshold came from (a Calibration, or a model default's basis), for logs and events. */
  basis?: string;
}

/**
 * The open-set decision: the best person is a match only when their score
 * reaches the threshold; otherwise the face belongs to nobody enrolled.
 */
export class OpenSetPolicy {
  readonly threshold: number;
  readonly basis: string;

  constructor(options: OpenSetPolicyOptions) {
    if (!Number.isFinite(options?.threshold)) throw new TypeError(`OpenSetPolicy: threshold must be a finite number, got ${options?.threshold}`);
    this.threshold = options.threshold;
    this.basis = options.basis ?? 'explicit';
  }

  /** See {@link calibrate}. */
  static calibrate(impostorScores: ArrayLike<number>, targetFpir: number): Calibration {
    return calibrate(impostorScores, targetFpir);
  }

  static fromCalibration(c: Calibration): OpenSetPolicy {
    return new OpenSetPolicy({
      threshold: c.threshold,
      basis: `calibrated: FPIR ${c.achievedFpir} (target ${c.targetFpir}) on ${c.impostorCount} impostor searches${c.sufficient ? '' : ', too few for the target'}`,
    });
  }

  accepts(score: number): boolean {
    return score >= this.threshold;
  }

  /** Decides on search hits sorted best first (as `Matcher.search` returns them). */
  decide(hits: readonly SearchHit[]): OpenSetDecision {
    const best = hits[0];
    if (!best) return { kind: 'unknown', bestScore: null, threshold: this.threshold };
    if (!this.accepts(best.score)) return { kind: 'unknown', bestScore: best.score, threshold: this.threshold };
    return { kind: 'match', personId: best.personId, templateId: best.templateId, score: best.score, threshold: this.threshold };
  }
}
