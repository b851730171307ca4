/** Errors the site reports to its callers: a code for programs, a message for people. */
export type SiteErrorCode = 'NOT_FOUND' | 'CONFLICT' | 'INVALID' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'SNAPSHOT_GONE';

// SNAPSHOT_GONE: the terminal no longer keeps the face snapshot named (retention, eviction).
const STATUS: Record<SiteErrorCode, number> = { NOT_FOUND: 404, CONFLICT: 409, INVALID: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, SNAPSHOT_GONE: 404 };

export class SiteError extends Error {
  constructor(
    readonly code: SiteErrorCode,
    message: string,
    /** The request field the message is about (a form shows it next to that field), e.g. `lists`, `actions.webhooks`. */
    readonly field?: string,
  ) {
    super(message);
  }
  get statusCode(): number {
    return STATUS[this.code];
  }
}
