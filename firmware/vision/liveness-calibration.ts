// Site calibration of the liveness threshold: scores shift with the camera and the light,
// so an installer records genuine approaches where the terminal stands and the threshold
// moves down to let nearly all of them in — never below a floor that known attacks stay
// under, and never above the level's own threshold (calibration only relaxes a level).
import { livenessThreshold, type LivenessLevel } from './liveness.js';

/**
 * The lowest threshold calibration may set. Every screen-replay and print frame of the dev
 * set that passes the quality gate (whole frames: pad-dev's tranvanluyt replay recording and
 * the Silent-Face samples) scores at most 0.0025; the floor sits 20× above that, because
 * those are one screen and one printer, and other attacks will score higher.
 */
export const LIVENESS_FLOOR = 0.05;

/** Genuine approaches below the calibrated threshold: 5 % of the calibration set. */
export const CALIBRATION_QUANTILE = 0.05;

/** Fewer genuine approaches than this say nothing about a site. */
export const MIN_CALIBRATION_APPROACHES = 5;

export class CalibrationError extends Error {
  constructor(
    readonly code: 'TOO_FEW' | 'BAD_SCORE',
    message: string,
    /** TOO_FEW: how many approaches were recorded and how many are needed. */
    readonly details?: { recorded: number; needed: number },
  ) {
    super(message);
    this.name = 'CalibrationError';
  }
}

export interface LivenessCalibration {
  /** The threshold to store. */
  threshold: number;
  /** The genuine score at CALIBRATION_QUANTILE, before the bounds. */
  quantileScore: number;
  approaches: number;
  /** Which bound set the threshold, if one did. */
  boundedBy?: 'floor' | 'level';
}

/** Lower empirical quantile: the score `q` of the genuine approaches fall below. */
function lowerQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** The threshold for `level` from genuine approaches' fused live scores at this site. */
export function calibrateLiveness(genuine: readonly number[], level: LivenessLevel): LivenessCalibration {
  if (level === 'off') throw new CalibrationError('BAD_SCORE', 'liveness is off: there is no threshold to calibrate');
  if (genuine.some((s) => !(s >= 0 && s <= 1))) throw new CalibrationError('BAD_SCORE', 'live scores must be numbers between 0 and 1');
  if (genuine.length < MIN_CALIBRATION_APPROACHES) {
    throw new CalibrationError('TOO_FEW', `${genuine.length} genuine approaches recorded; calibration needs at least ${MIN_CALIBRATION_APPROACHES}`, {
      recorded: genuine.length,
      needed: MIN_CALIBRATION_APPROACHES,
    });
  }
  const quantileScore = lowerQuantile([...genuine].sort((a, b) => a - b), CALIBRATION_QUANTILE);
  const ceiling = livenessThreshold(level);
  if (quantileScore < LIVENESS_FLOOR) return { threshold: LIVENESS_FLOOR, quantileScore, approaches: genuine.length, boundedBy: 'floor' };
  if (quantileScore > ceiling) return { threshold: ceiling, quantileScore, approaches: genuine.length, boundedBy: 'level' };
  return { threshold: quantileScore, quantileScore, approaches: genuine.length };
}
