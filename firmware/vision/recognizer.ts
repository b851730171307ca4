// Turns pipeline results into one decision per track: who it is (open-set 1:N search),
// whether the face looked live, or why no usable face was seen.
import type { Frame } from '../../hal/camera.js';
import { Listeners, type Unsubscribe } from '../../hal/events.js';
import { silentLogger, type Logger } from '../log.js';
import { DEFAULT_LIVENESS_LEVEL, livenessThreshold, passesLiveness, type LivenessLevel } from './liveness.js';
import type { FacePipeline, FrameResult, TrackResult } from './pipeline.js';
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
  /** Liveness failed at the configured level: personId is null, see `claimedPersonId`. */
  spoofSuspected: boolean;
  /** The person the spoof matched (for the event log; never grant on it). */
  claimedPersonId?: string;
  /** Set when the track ended without one usable frame: why the face was unusable. */
  qualityReason?: QualityReason;
  /** Good frames the decision is based on. */
  frames: number;
  /** Timestamp of the frame that produced the decision. */
  timestamp: number;
}

export interface FaceRecognizerOptions {
  pipeline: FacePipeline;
  matcher: FaceMatcher;
  threshold?: number;
  livenessLevel?: LivenessLevel;
  /** Emit a decision with `qualityReason` when a track ends without a usable frame (default true). */
  reportUnusable?: boolean;
  logger?: Logger;
}

export interface RecognitionResult {
  frame: FrameResult;
  /** Decisions made on this frame (at most one per track over its lifetime). */
  decisions: FaceDecision[];
}

export class FaceRecognizer {
  private readonly decided = new Set<number>();
  private readonly listeners = new Listeners<FaceDecision>();
  private readonly pipeline: FacePipeline;
  private readonly matcher: FaceMatcher;
  private readonly log: Logger;
  private readonly reportUnusable: boolean;
  readonly threshold: number;
  readonly livenessLevel: LivenessLevel;

  constructor(options: FaceRecognizerOptions) {
    if (!options?.pipeline || !options.matcher) throw new TypeError('FaceRecognizer: pipeline and matcher are required');
    this.pipeline = options.pipeline;
    this.matcher = options.matcher;
    this.threshold = options.threshold ?? DEFAULT_MATCH_THRESHOLD;
    this.livenessLevel = options.livenessLevel ?? DEFAULT_LIVENESS_LEVEL;
    livenessThreshold(this.livenessLevel); // validates the level
    if (this.livenessLevel !== 'off' && !this.pipeline.livenessEnabled) {
      throw new TypeError(`FaceRecognizer: liveness level "${this.livenessLevel}" needs a pipeline created with liveness enabled`);
    }
    this.reportUnusable = options.reportUnusable ?? true;
    this.log = options.logger ?? silentLogger();
  }

  onDecision(handler: (d: FaceDecision) => void): Unsubscribe {
    return this.listeners.add(handler);
  }

  /** Runs the pipeline on `frame` and emits the decisions that became ready. */
  async processFrame(frame: Frame): Promise<RecognitionResult> {
    return this.handle(await this.pipeline.processFrame(frame));
  }

  /** Decides on a pipeline result produced elsewhere (e.g. processImage). */
  async handle(result: FrameResult): Promise<RecognitionResult> {
    const decisions: FaceDecision[] = [];
    for (const t of result.tracks) {
      if (!t.decisionReady || this.decided.has(t.trackId)) continue;
      this.decided.add(t.trackId);
      decisions.push(await this.decide(t, result.timestamp));
    }
    for (const e of result.ended) {
      const wasDecided = this.decided.delete(e.trackId);
      if (!wasDecided && this.reportUnusable && e.lastReason) {
        decisions.push({ trackId: e.trackId, personId: null, score: 0, liveness: null, spoofSuspected: false, qualityReason: e.lastReason, frames: 0, timestamp: result.timestamp });
      }
    }
    for (const d of decisions) {
      this.log.debug({ trackId: d.trackId, personId: d.personId, score: d.score, liveness: d.liveness, spoof: d.spoofSuspected, reason: d.qualityReason }, 'face decision');
      this.listeners.emit(d);
    }
    return { frame: result, decisions };
  }

  private async decide(t: TrackResult, timestamp: number): Promise<FaceDecision> {
    const liveness = t.liveness ?? null;
    const hits = t.embedding ? await this.matcher.search(t.embedding, 1) : [];
    const best = hits[0];
    const score = best?.score ?? 0;
    const matched = best && score >= this.threshold ? best.personId : null;
    const live = this.livenessLevel === 'off' || (liveness !== null && passesLiveness(liveness, this.livenessLevel));
    return {
      trackId: t.trackId,
      personId: live ? matched : null,
      score,
      liveness,
      spoofSuspected: !live,
      ...(!live && matched && { claimedPersonId: matched }),
      frames: t.goodFrames,
      timestamp,
    };
  }
}
