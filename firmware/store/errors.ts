export type StoreErrorCode =
  /** The database was written by newer firmware; this code must not touch it. */
  | 'SCHEMA_TOO_NEW'
  /** The file could not be opened as a SQLite database (missing folder, not a database, locked). */
  | 'OPEN_FAILED'
  /** An event failed validation; nothing was written. */
  | 'INVALID_EVENT'
  /** An event query had a bad filter. */
  | 'INVALID_QUERY'
  /** The store was closed before the call. */
  | 'CLOSED';

/** An error from the terminal's SQLite store, with a stable code. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
