export type KioskErrorCode = 'BAD_JSON' | 'BAD_COMMAND' | 'BAD_FRAME' | 'NOT_SIMULATED';

export class KioskError extends Error {
  override readonly name = 'KioskError';
  constructor(
    readonly code: KioskErrorCode,
    message: string,
  ) {
    super(message);
  }
}
