export type ModelErrorCode =
  | 'BAD_MANIFEST'
  | 'UNKNOWN_MODEL_SET'
  | 'FETCH_FAILED'
  | 'INTEGRITY_MISMATCH'
  | 'CHECKSUM_MISMATCH'
  | 'NOT_IN_TARBALL'
  | 'BAD_TARBALL'
  | 'MODEL_MISSING';

/**
 * A model or asset could not be described, fetched, verified or found. Shaped like the
 * HAL's CodedError (a stable `code`) without importing it: models/ depends on no layer
 * of the terminal (.dependency-cruiser.cjs).
 */
export class ModelError extends Error {
  override readonly name = 'ModelError';
  constructor(
    readonly code: ModelErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
