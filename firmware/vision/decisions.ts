// One decision per track, from the evidence the pipeline fused over its good frames:
// who it is (open-set 1:N search), whether the face looked live, or why no usable face
// was seen.
import type { ChallengeKind } from './challenge.js';
import { irVetoes, type IrReason, type IrTally } from './ir-prior.js';
import { livenessThreshold, type LivenessLevel } from './liveness.js';
import type { QualityReason } from './quality.js';

/** A 1:N gallery search (firmware/vision/matcher implements it). Scores are cosine similarities. */
export interface FaceMatcher {
  search(
    embedding: Float32Array,
    k: number,
  ): ReadonlyArray<{ personId: string; score: number }> | Promise<ReadonlyArray<{ personId: string; score: number }>>;
}

/**
 * Cosine similarity at or above which the best gallery match is accepted. A prior for
 * MobileFaceNet-512, not fitted to local data; pass the matcher's calibrated threshold
 * (for a stated false-positive identification rate) when there is one.
 */
export const DEFAULT_MATCH_THRESHOLD = 0.5;

export interface FaceDecision {
  trackId: number;
  /** The matched person, or null for a stranger, a suspected spoof or an unusable face. */
  personId: string | null;
  /** Best gallery score (cosine), 0 when nothing was searched. */
  score: number;
  /** Fused live probability over the track's frames; null when liveness was not run. */
  liveness: number | null;
  /**
   * Liveness was wanted but the track had fewer usable frames than the rules need: no
   * verdict either way (personId is null, spoofSuspected false).
   */
  livenessUncertain?: boolean;
  /** Liveness failed at the configured level: personId is null, see `claimedPersonId`. */
  spoofSuspected: boolean;
  /** The person the spoof matched (for the event log; never grant on it). */
  claimedPersonId?: string;
  /** Set when the track ended without one usable frame: why the face was unusable. */
  qualityReason?: QualityReason;
  /**
   * The track ended before its evidence was ready (the face left after a frame or two):
   * the decision says what was seen, but it is no access attempt — a door must not open
   * for someone who has already walked away.
   */
  departed?: boolean;
  /**
   * The passive evidence fell in the uncertain band and the person was asked to move
   * (challenge.ts): which movement, and whether it was seen before the timeout.
   */
  challenge?: { kind: ChallengeKind; result: 'passed' | 'failed' };
  /** The IR camera's face region looked like no skin (ir-prior.ts): a live verdict turned spoof. */
  irVeto?: IrReason;
  /** Good frames the decision is based on. */
  frames: number;
  /** A live face that matched nobody: its mean embedding (sealed for the site, never logged in the clear). */
  strangerEmbedding?: Float32Array;
  /** Timestamp of the frame that produced the decision. */
  timestamp: number;
}

/** What a track has shown so far. */
export interface TrackEvidence {
  trackId: number;
  /** L2-normalised mean embedding over the track's good frames. */
  embedding?: Float32Array;
  /** Live probability fused over the track's good frames (liveness-fusion.ts). */
  liveness?: number;
  /** Frames that fused liveness score is based on. */
  livenessFrames?: number;
  goodFrames: number;
  /** The active challenge's outcome, which replaces the passive threshold when present. */
  challenge?: { kind: ChallengeKind; result: 'passed' | 'failed' };
  /** What the IR camera's frames said about the face, when the board has one. */
  ir?: IrTally;
}

export interface DecisionRules {
  matcher: FaceMatcher;
  /** Identify threshold (validated by the pipeline). */
  threshold: number;
  livenessLevel: LivenessLevel;
  /** Usable frames a liveness verdict needs (DEFAULT_MIN_LIVENESS_FRAMES). */
  minLivenessFrames: number;
  /** A site-calibrated live threshold replacing the level's (never applied at level 'off'). */
  livenessThreshold?: number;
}

/** The live probability a track must reach under `rules`. */
export function liveThreshold(rules: Pick<DecisionRules, 'livenessLevel' | 'livenessThreshold'>): number {
  return rules.livenessLevel === 'off' ? 0 : (rules.livenessThreshold ?? livenessThreshold(rules.livenessLevel));
}

/** The decision on a track's evidence: a match, a stranger, or a suspected spoof. */
export async function decideTrack(rules: DecisionRules, e: TrackEvidence, timestamp: number): Promise<FaceDecision> {
  const liveness = e.liveness ?? null;
  const hits = e.embedding ? await rules.matcher.search(e.embedding, 1) : [];
  const best = hits[0];
  const score = best?.score ?? 0;
  const matched = best && score >= rules.threshold ? best.personId : null;
  const off = rules.livenessLevel === 'off';
  // A challenge settles what the passive score left open: passed is live, failed or timed out is a spoof.
  const challenged = !off && e.challenge !== undefined;
  const uncertain = !off && !challenged && (liveness === null || (e.livenessFrames ?? 0) < rules.minLivenessFrames);
  const passed = off || (challenged ? e.challenge!.result === 'passed' : !uncertain && liveness! >= liveThreshold(rules));
  // The IR prior only vetoes: it turns a live verdict into a spoof, never the reverse.
  const vetoed = passed && !off && irVetoes(e.ir);
  const live = passed && !vetoed;
  return {
    trackId: e.trackId,
    personId: live ? matched : null,
    score,
    liveness,
    spoofSuspected: !live && !uncertain,
    ...(uncertain && { livenessUncertain: true }),
    ...(!live && !uncertain && matched && { claimedPersonId: matched }),
    ...(challenged && { challenge: e.challenge! }),
    ...(vetoed && { irVeto: e.ir!.reason ?? 'ir_flat' }),
    ...(live && !matched && e.embedding && { strangerEmbedding: e.embedding }),
    frames: e.goodFrames,
    timestamp,
  };
}

/** The decision for a track that ended without one usable frame. */
export function unusableFace(trackId: number, reason: QualityReason, timestamp: number): FaceDecision {
  return { trackId, personId: null, score: 0, liveness: null, spoofSuspected: false, qualityReason: reason, frames: 0, timestamp };
}
