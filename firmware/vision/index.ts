// Public surface of the vision core.
export { FaceEngine, type FaceEngineOptions, type FaceAnalysis, type AnalyseOptions, type StageTimings } from './engine.js';
export { scheduleLiveness, type LivenessMode, type LivenessSchedule, type LivenessScheduleOptions } from './liveness-schedule.js';
export {
  FacePipeline,
  type FacePipelineOptions,
  type FrameResult,
  type TrackResult,
  type TrackQuality,
  type EndedTrack,
  type PipelineTimings,
} from './pipeline.js';
export {
  DEFAULT_MATCH_THRESHOLD,
  decideTrack,
  unusableFace,
  type FaceMatcher,
  type FaceDecision,
  type TrackEvidence,
  type DecisionRules,
} from './decisions.js';
export {
  enrolFromImages,
  chooseFace,
  type EnrolOptions,
  type EnrolResult,
  type EnrolWarning,
  type EnrolWarningCode,
  type EnrolImageReport,
} from './enrol.js';
export {
  LIVENESS_LEVELS,
  LIVENESS_THRESHOLDS,
  DEFAULT_LIVENESS_LEVEL,
  livenessThreshold,
  passesLiveness,
  type LivenessLevel,
  type LivenessScore,
} from './liveness.js';
export { QUALITY_MESSAGES, DEFAULT_QUALITY, type Quality, type QualityReason, type QualityThresholds, type QualityMetrics } from './quality.js';
export { decodeImage, frameToRgb, encodeJpeg, type RgbImage } from './image.js';
export { cosine, l2Normalise, meanEmbedding } from './embedder.js';
export { IouTracker, type Track, type TrackerOptions } from './tracker.js';
export type { Box, ScoredBox } from './box.js';
export { VisionError, type VisionErrorCode } from './errors.js';
