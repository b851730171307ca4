export {
  Matcher,
  type ExactTemplateSource,
  type MatcherOptions,
  type RerankStats,
  type SearchHit,
  type VerifyResult,
} from './matcher.js';
export type { TemplateStorage } from './row-codec.js';
export { MatcherError, type MatcherErrorCode } from './errors.js';
export { OpenSetPolicy, calibrate, type Calibration, type OpenSetDecision, type OpenSetPolicyOptions } from './open-set.js';
export {
  DEFAULT_THRESHOLDS,
  IMPOSTOR_SCORE_MODELS,
  identifyThreshold,
  verifyThreshold,
  type ImpostorScoreModel,
} from './thresholds.js';
