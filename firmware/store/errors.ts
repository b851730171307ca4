import { CodedError } from '../../hal/coded-error.js';

export type StoreErrorCode =
  /** The database was written by newer firmware; this code must not touch it. */
  | 'SCHEMA_TOO_NEW'
  /** The file could not be opened as a SQLite database (missing folder, not a database, locked). */
  | 'OPEN_FAILED'
  /** An event failed validation; nothing was written. */
  | 'INVALID_EVENT'
  /** An event query had a bad filter. */
  | 'INVALID_QUERY'
  /** A face snapshot was not a JPEG, or over the size cap; nothing was written. */
  | 'INVALID_SNAPSHOT'
  /** The store was closed before the call. */
  | 'CLOSED';

/** An error from the terminal's SQLite store, with a stable code. */
export class StoreError extends CodedError<StoreErrorCode> {
  override readonly name = 'StoreError';
}
