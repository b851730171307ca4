// Liveness decided per approach, not per frame: the live probabilities of a track's usable
// frames are fused in logit space with a trimmed mean, so one odd frame (a blink, a motion
// blur, a reflection) neither admits nor rejects, and nothing is decided on fewer than a
// minimum number of usable frames. A turned head counts less: the model ranks turned live faces
// lower, so each frame is weighted by how frontal it is (poseWeight).
import { DEFAULT_QUALITY } from './quality.js';

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
 * 99th percentile of a half-normal |yaw|: the gate's maxYaw is the 99th percentile of live
 * faces' |yaw| (quality.ts), so the pose weight's spread comes from the same live faces.
 */
const HALF_NORMAL_P99 = 2.576;

/**
 * How much a frame counts in the fusion, from its yaw proxy (quality.ts): 1 for a frontal
 * face, falling as a half-normal whose 99th percentile is `maxYaw` — a face turned as far as
 * the gate lets through counts 1/28 of a frontal one. Never 0, so every frame still counts.
 */
export function poseWeight(yaw: number, maxYaw: number = DEFAULT_QUALITY.maxYaw): number {
  if (!Number.isFinite(yaw)) return 1;
  const sigma = maxYaw / HALF_NORMAL_P99;
  return Math.exp(-0.5 * (yaw / sigma) ** 2);
}

/**
 * Trimmed mean of the frames' logits: from 3 frames on, ⌊n/5⌋ frames' share (at least one
 * frame's) of the weight is dropped at the top and at the bottom — with 3 equal frames that is
 * the median. `weights` (poseWeight; default all equal) make a frame count for more or less of
 * that mass: with one frontal and two turned frames, the frontal one's logit dominates.
 * Undefined for no frames.
 */
export function fuseLiveness(probabilities: readonly number[], weights?: readonly number[]): FusedLiveness | undefined {
  const n = probabilities.length;
  if (n === 0) return undefined;
  if (weights && weights.length !== n) throw new RangeError('fuseLiveness: one weight per frame');
  const frames = probabilities
    .map((p, i) => ({ l: logit(p), w: weights ? weights[i]! : 1 }))
    .filter((f) => f.w > 0 && Number.isFinite(f.w))
    .sort((a, b) => a.l - b.l);
  if (frames.length === 0) return fuseLiveness(probabilities);
  const total = frames.reduce((a, f) => a + f.w, 0);
  const trim = n >= 3 ? (Math.max(1, Math.floor(n / 5)) / n) * total : 0;
  // The part of each frame's weight that lies inside [trim, total − trim] of the cumulative mass.
  let below = 0;
  let sum = 0;
  let mass = 0;
  for (const f of frames) {
    const kept = Math.max(0, Math.min(below + f.w, total - trim) - Math.max(below, trim));
    below += f.w;
    sum += kept * f.l;
    mass += kept;
  }
  const mean = sum / mass;
  return { live: sigmoid(mean), logit: mean, frames: n };
}
