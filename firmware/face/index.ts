// Face recognition at the door: the service the terminal runs, enrolment, and the
// camera choice for played media.
export {
  FaceService,
  type FaceServiceOptions,
  type FaceSink,
  type FaceCredential,
  type FaceState,
  type FaceStatus,
  type FaceStats,
  type FaceFrameReport,
  type FaceDecisionReport,
  type FaceVerifyResult,
  type FaceOutcome,
  type RecognitionResult,
} from './service.js';
export { enrolPerson, type EnrolPersonOptions, type EnrolPersonResult } from './enrol.js';
export { LiveGallery, type GalleryWriter, type GallerySyncResult } from './gallery.js';
export { openFaceCamera, faceCameraSource, commandAvailable, type FaceCamera, type FaceCameraOptions } from './camera.js';
export { faceCredential } from './decision.js';
export { promptFor, type FacePrompt } from './prompt.js';
export { faceThresholds, type FaceThresholds } from './thresholds.js';
export { FaceError, type FaceErrorCode } from './errors.js';
