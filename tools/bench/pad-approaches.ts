// Replays a recording's frames as the terminal's track decides (firmware/vision/pipeline.ts):
// frames the quality gate stops are shown a hint and skipped, and the decision comes as soon
// as the track has `minFrames` usable frames, on their fused live score (turned faces weighted
// less, as the pipeline does). A person who turns
// away for a while is decided later, not refused; one who never gives enough usable frames
// within `maxFrames` is counted as undecided (still shown the gate's hint), not as a spoof.
import { fuseLiveness, poseWeight } from '../../firmware/vision/liveness-fusion.js';

export interface FrameEvidence {
  /** Passed the quality gate and was scored. */
  usable: boolean;
  /** Live probability (only read when usable). */
  live?: number;
  /** The face's yaw proxy (quality.ts): turned frames count less in the fusion (poseWeight). Absent: frontal. */
  yaw?: number;
}

export type ApproachOutcome = 'accepted' | 'spoof' | 'undecided';

export interface ApproachVerdict {
  outcome: ApproachOutcome;
  /** Frames the approach took, up to its decision (or maxFrames when undecided). */
  frames: number;
  /** Fused live score of a decided approach. */
  live?: number;
  /**
   * A spoof verdict whose fused score is at or above the challenge floor: the terminal would
   * ask for a blink or turn instead (challenge.ts) — a resident who does it gets in.
   */
  challengeBand?: boolean;
}

export interface ApproachRules {
  /** Live threshold in force (level or site-calibrated). */
  threshold: number;
  /** Usable frames a verdict needs (DEFAULT_MIN_LIVENESS_FRAMES). */
  minFrames: number;
  /** Frames an approach may take to reach a decision; after that it is undecided. */
  maxFrames: number;
  /** Lower edge of the challenge band (LIVENESS_FLOOR); absent: no challenge. */
  challengeFloor?: number;
}

export interface RecordingApproaches {
  approaches: ApproachVerdict[];
  /** Trailing frames with no decision yet when the recording ended (fewer than maxFrames): no approach. */
  unfinished: number;
}

function validate(r: ApproachRules): void {
  if (!(Number.isInteger(r.minFrames) && r.minFrames >= 1)) throw new RangeError('minFrames must be an integer ≥ 1');
  if (!(Number.isInteger(r.maxFrames) && r.maxFrames >= r.minFrames)) throw new RangeError('maxFrames must be an integer ≥ minFrames');
  if (!(r.threshold >= 0 && r.threshold <= 1)) throw new RangeError('threshold must be between 0 and 1');
}

/** One recording of consecutive frames, cut into approaches where the terminal would decide. */
export function replayApproaches(frames: readonly FrameEvidence[], rules: ApproachRules): RecordingApproaches {
  validate(rules);
  const approaches: ApproachVerdict[] = [];
  let live: FrameEvidence[] = [];
  let taken = 0;
  for (const f of frames) {
    taken++;
    if (f.usable && f.live !== undefined) live.push(f);
    if (live.length >= rules.minFrames) {
      approaches.push(verdict(live, taken, rules));
      live = [];
      taken = 0;
    } else if (taken >= rules.maxFrames) {
      approaches.push({ outcome: 'undecided', frames: taken });
      live = [];
      taken = 0;
    }
  }
  return { approaches, unfinished: taken };
}

/**
 * Separate stills: each frame is one approach of a person standing still, so its score is
 * what fusing repeated frames of it gives; a frame the gate stops is undecided.
 */
export function stillApproaches(frames: readonly FrameEvidence[], rules: ApproachRules): ApproachVerdict[] {
  validate(rules);
  return frames.map((f) => (f.usable && f.live !== undefined ? verdict([f], 1, rules) : { outcome: 'undecided', frames: 1 }));
}

function verdict(live: readonly FrameEvidence[], frames: number, rules: ApproachRules): ApproachVerdict {
  const fused = fuseLiveness(
    live.map((f) => f.live!),
    live.map((f) => poseWeight(f.yaw ?? 0)),
  )!.live;
  if (fused >= rules.threshold) return { outcome: 'accepted', frames, live: fused };
  const band = rules.challengeFloor !== undefined && fused >= rules.challengeFloor;
  return { outcome: 'spoof', frames, live: fused, ...(band && { challengeBand: true }) };
}
