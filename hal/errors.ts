import { CodedError } from './coded-error.js';

export type HalErrorCode =
  | 'DEVICE_CLOSED'
  | 'DEVICE_NOT_FOUND'
  | 'DEVICE_IO'
  | 'BAD_FRAME'
  | 'UNKNOWN_DRIVER';

/** An error from a hardware device or driver, with a stable code. */
export class HalError extends CodedError<HalErrorCode> {
  override readonly name = 'HalError';
}

export function closedError(device: string): HalError {
  return new HalError('DEVICE_CLOSED', `${device} is closed`);
}
