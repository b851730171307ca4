import { CodedError } from '../hal/coded-error.js';

export type ModelErrorCode =
  | 'BAD_MANIFEST'
  | 'UNKNOWN_MODEL_SET'
  | 'FETCH_FAILED'
  | 'INTEGRITY_MISMATCH'
  | 'CHECKSUM_MISMATCH'
  | 'NOT_IN_TARBALL'
  | 'BAD_TARBALL'
  | 'MODEL_MISSING';

/** A model or asset could not be described, fetched, verified or found. */
export class ModelError extends CodedError<ModelErrorCode> {
  override readonly name = 'ModelError';
}
