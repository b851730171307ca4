import { CodedError } from '../../hal/coded-error.js';

export type FaceErrorCode =
  /** Face enrolment was asked for without the person's consent. */
  | 'CONSENT_REQUIRED'
  /** The person to enrol does not exist. */
  | 'PERSON_NOT_FOUND'
  /** No match threshold is known for the model set and none is configured. */
  | 'NO_THRESHOLD'
  /** The models could not be fetched or loaded. */
  | 'MODELS_UNAVAILABLE'
  /** The camera (or the tool that plays the configured source) could not start. */
  | 'CAMERA_UNAVAILABLE'
  /** The face service is not running (starting, failed or closed). */
  | 'NOT_RUNNING'
  /** A liveness calibration is already recording at this terminal. */
  | 'BUSY';

/** An error from the face service or enrolment, with a stable code. */
export class FaceError extends CodedError<FaceErrorCode> {
  override readonly name = 'FaceError';
}
