import { CodedError } from '../../hal/coded-error.js';

export type VisionErrorCode =
  | 'BAD_FRAME'
  | 'BAD_IMAGE'
  | 'NO_FACE'
  | 'NO_USABLE_FACE'
  | 'CONSENT_REQUIRED'
  | 'MODEL_LOAD_FAILED'
  | 'INFERENCE_FAILED'
  | 'CLOSED';

/** An error from the vision pipeline, with a stable code. */
export class VisionError extends CodedError<VisionErrorCode> {
  override readonly name = 'VisionError';
}
