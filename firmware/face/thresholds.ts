import { DEFAULT_THRESHOLDS } from '../vision/matcher/index.js';
import { FaceError } from './errors.js';

export interface FaceThresholds {
  /** 1:N: the best gallery score must reach this to identify someone. */
  identify: number;
  /** 1:1 (card + face): the claimed person's score must reach this. */
  verify: number;
  /** Where the numbers come from, for logs and status. */
  basis: string;
}

/**
 * The thresholds a terminal decides with: the model set's calibrated defaults
 * (firmware/vision/matcher/thresholds.ts), or the configured identify override.
 * Throws FaceError NO_THRESHOLD for a model set without defaults and no override:
 * guessing a threshold for unknown weights would open the door to strangers.
 */
export function faceThresholds(modelSet: string, identifyOverride?: number): FaceThresholds {
  const defaults = Object.hasOwn(DEFAULT_THRESHOLDS, modelSet) ? DEFAULT_THRESHOLDS[modelSet] : undefined;
  if (identifyOverride !== undefined && !(identifyOverride >= 0 && identifyOverride <= 1)) {
    throw new TypeError(`match threshold must be in [0, 1], got ${identifyOverride}`);
  }
  if (!defaults) {
    if (identifyOverride === undefined) {
      throw new FaceError('NO_THRESHOLD', `no calibrated match threshold for model set "${modelSet}": set face.matchThreshold`);
    }
    return { identify: identifyOverride, verify: identifyOverride, basis: 'configured (face.matchThreshold)' };
  }
  if (identifyOverride === undefined) return { ...defaults };
  return { identify: identifyOverride, verify: defaults.verify, basis: `identify configured (face.matchThreshold); verify: ${defaults.basis}` };
}
