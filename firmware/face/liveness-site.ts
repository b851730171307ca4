// Site calibration of liveness at one door: genuine approaches recorded from the terminal's
// own camera, the threshold computed by firmware/vision/liveness-calibration.ts, kept in the
// store's meta table (it belongs to this camera and this room, not to the config a fleet
// pushes to many doors) and read again when face recognition starts.
import type { Clock } from '../../hal/clock.js';
import type { Unsubscribe } from '../../hal/events.js';
import type { Logger } from '../log.js';
import type { MetaTable } from '../store/index.js';
import type { FaceDecision, LivenessLevel } from '../vision/index.js';
import { LIVENESS_FLOOR, calibrateLiveness, type LivenessCalibration } from '../vision/liveness-calibration.js';

/** The meta key of the stored site threshold (JSON of StoredLivenessThreshold). */
export const LIVENESS_THRESHOLD_META_KEY = 'face.liveness_threshold';

export interface StoredLivenessThreshold {
  threshold: number;
  /** The level it was calibrated for: bounded by that level's threshold, so used only at that level. */
  level: Exclude<LivenessLevel, 'off'>;
  approaches: number;
  quantileScore: number;
  /** When it was calibrated (ms). */
  at: number;
}

/** What a calibration reports to the installer. */
export interface SiteCalibrationResult extends LivenessCalibration {
  level: Exclude<LivenessLevel, 'off'>;
  floor: number;
  /** The genuine approaches' fused live scores, in the order they were recorded. */
  scores: number[];
}

/** Reads the stored site threshold for `level`; undefined when none, another level's, or unreadable (logged). */
export function readSiteLivenessThreshold(meta: MetaTable, level: LivenessLevel, log: Logger): StoredLivenessThreshold | undefined {
  const text = meta.get(LIVENESS_THRESHOLD_META_KEY);
  if (text === undefined || level === 'off') return undefined;
  let stored: Partial<StoredLivenessThreshold>;
  try {
    stored = JSON.parse(text) as Partial<StoredLivenessThreshold>;
  } catch {
    log.warn({ key: LIVENESS_THRESHOLD_META_KEY }, 'stored liveness threshold is not JSON; the level threshold applies');
    return undefined;
  }
  const t = stored.threshold;
  if (typeof t !== 'number' || !(t >= LIVENESS_FLOOR && t <= 1)) {
    log.warn({ threshold: t }, 'stored liveness threshold is out of range; the level threshold applies');
    return undefined;
  }
  if (stored.level !== level) {
    log.warn({ calibratedFor: stored.level, level }, 'liveness was calibrated at another level; recalibrate (limen calibrate liveness): the level threshold applies');
    return undefined;
  }
  return stored as StoredLivenessThreshold;
}

export function storeSiteLivenessThreshold(meta: MetaTable, result: SiteCalibrationResult, at: number): void {
  const stored: StoredLivenessThreshold = { threshold: result.threshold, level: result.level, approaches: result.approaches, quantileScore: result.quantileScore, at };
  meta.set(LIVENESS_THRESHOLD_META_KEY, JSON.stringify(stored));
}

export interface RecordOptions {
  /** Subscribes to the pipeline's decisions (FacePipeline.onDecision). */
  onDecision: (handler: (d: FaceDecision) => void) => Unsubscribe;
  /** Stop after this many genuine approaches. */
  approaches: number;
  /** Or after this long (ms on `clock`), with what was recorded. */
  timeoutMs: number;
  clock: Clock;
  /** Told of each score as it is recorded (progress for the installer). */
  onScore?: (score: number, index: number) => void;
}

/**
 * Records the fused live score of each approach with a liveness verdict (enough usable
 * frames); approaches without one say nothing about the site and are skipped. Resolves with
 * the scores at `approaches` or at the timeout, whichever comes first.
 */
export function recordGenuineApproaches(o: RecordOptions): Promise<number[]> {
  const scores: number[] = [];
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      off();
      timer.cancel();
      resolve(scores);
    };
    const off = o.onDecision((d) => {
      if (done || d.liveness === null || d.livenessUncertain || d.qualityReason !== undefined) return;
      scores.push(d.liveness);
      o.onScore?.(d.liveness, scores.length - 1);
      if (scores.length >= o.approaches) finish();
    });
    const timer = o.clock.setTimeout(finish, o.timeoutMs);
  });
}

/** The site threshold for `level` from recorded scores (CalibrationError TOO_FEW / BAD_SCORE). */
export function siteCalibration(scores: number[], level: LivenessLevel): SiteCalibrationResult {
  const c = calibrateLiveness(scores, level);
  return { ...c, level: level as Exclude<LivenessLevel, 'off'>, floor: LIVENESS_FLOOR, scores };
}
