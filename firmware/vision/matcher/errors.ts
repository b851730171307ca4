import { CodedError } from '../../../hal/coded-error.js';

export type MatcherErrorCode =
  /** A template or query has a different length than the gallery's dimension. */
  | 'DIMENSION_MISMATCH'
  /** A template or query holds NaN/Infinity or has zero length (cannot be normalised). */
  | 'BAD_VECTOR'
  /** `add` with a template id the gallery already holds. */
  | 'DUPLICATE_TEMPLATE'
  /** An id that is not a non-empty string of at most 128 characters. */
  | 'BAD_ID'
  /** The matcher was closed. */
  | 'CLOSED';

/** An error from the face matcher, with a stable code. */
export class MatcherError extends CodedError<MatcherErrorCode> {
  override readonly name = 'MatcherError';
}
