import { CodedError } from '../hal/coded-error.js';

export type BoardErrorCode = 'UNKNOWN_BOARD' | 'BOARD_INVALID' | 'MISSING_ROLE' | 'UNKNOWN_DRIVER';

export class BoardError extends CodedError<BoardErrorCode> {
  override readonly name = 'BoardError';
}
