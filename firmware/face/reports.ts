// What the face service counts and reports, per frame and per decision.
import type { Frame } from '../../hal/camera.js';
import type { FaceDecision, FrameResult } from '../vision/index.js';
import type { FaceCredential, FaceOutcome } from './sink.js';

export interface FaceStats {
  /** Frames analysed. */
  frames: number;
  /** Decisions passed to the access core. */
  decisions: number;
  /** Faces that left without one usable frame (no access attempt). */
  unusable: number;
  /** Frames the pipeline failed on. */
  errors: number;
  /** Analysis time of the latest frame, ms. */
  lastFrameMs: number | null;
  /** Frame arrival to the access decision being shown, ms, for the latest decision. */
  lastDecisionMs: number | null;
}

export function emptyStats(): FaceStats {
  return { frames: 0, decisions: 0, unusable: 0, errors: 0, lastFrameMs: null, lastDecisionMs: null };
}

export interface RecognitionResult {
  frame: FrameResult;
  /** Decisions made on this frame (at most one per track over its lifetime). */
  decisions: FaceDecision[];
}

export interface FaceFrameReport {
  /** The camera frame analysed (what a snapshot of a track crops). */
  frame: Frame;
  result: RecognitionResult;
  /** The quality prompt shown for this frame, if any. */
  prompt: string | null;
  /** Time from the frame's arrival to the end of its handling (decisions included), ms. */
  ms: number;
}

export interface FaceDecisionReport {
  decision: FaceDecision;
  /** What went to the access core; null for a face that was never usable. */
  credential: FaceCredential | null;
  outcome: FaceOutcome | null;
  /** Frame arrival to the decision being logged and shown, ms. */
  latencyMs: number;
}
