import type { AnyErrorCode } from '@limen/sdk/protocol';

/** Thrown by command handlers to refuse a request; becomes an error reply with `code`. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly code: AnyErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
