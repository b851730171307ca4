export type BoardErrorCode = 'UNKNOWN_BOARD' | 'BOARD_INVALID' | 'MISSING_ROLE' | 'UNKNOWN_DRIVER';

export class BoardError extends Error {
  override readonly name = 'BoardError';
  constructor(
    readonly code: BoardErrorCode,
    message: string,
  ) {
    super(message);
  }
}
