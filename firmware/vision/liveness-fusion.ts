// Liveness decided per approach, not per frame: the live probabilities of a track's usable
// frames are fused in logit space with a trimmed mean, so one odd frame (a blink, a motion
// blur, a reflection) neither admits nor rejects, and nothing is decided on fewer than a
// minimum number of usable frames.

/** Usable (gate-passing, scored) frames a liveness verdict needs by default. */
export const DEFAULT_MIN_LIVENESS_FRAMES = 3;

/** Probabilities are clamped here before the logit: a saturated frame counts, but finitely. */
const P_CLAMP = 1e-4;

export function logit(p: number): number {
  const q = Math.min(Math.max(p, P_CLAMP), 1 - P_CLAMP);
  return Math.log(q / (1 - q));
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export interface FusedLiveness {
  /** Fused live probability (the sigmoid of the fused logit). */
  live: number;
  logit: number;
  /** Frames fused. */
  frames: number;
}

/**
 * Trimmed mean of the frames' logits: from 3 frames on, the ⌊n/5⌋ highest and lowest (at
 * least one each) are dropped — with 3 frames that is the median. Undefined for no frames.
 */
export function fuseLiveness(probabilities: readonly number[]): FusedLiveness | undefined {
  const n = probabilities.length;
  if (n === 0) return undefined;
  const l = probabilities.map(logit).sort((a, b) => a - b);
  const trim = n >= 3 ? Math.max(1, Math.floor(n / 5)) : 0;
  const kept = l.slice(trim, n - trim);
  const mean = kept.reduce((a, b) => a + b, 0) / kept.length;
  return { live: sigmoid(mean), logit: mean, frames: n };
}
