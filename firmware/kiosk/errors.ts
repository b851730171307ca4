import { CodedError } from '../../hal/coded-error.js';

export type KioskErrorCode = 'BAD_JSON' | 'BAD_COMMAND' | 'BAD_FRAME' | 'NOT_SIMULATED';

export class KioskError extends CodedError<KioskErrorCode> {
  override readonly name = 'KioskError';
}
