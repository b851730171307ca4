export type HalErrorCode =
  | 'DEVICE_CLOSED'
  | 'DEVICE_NOT_FOUND'
  | 'DEVICE_IO'
  | 'BAD_FRAME'
  | 'UNKNOWN_DRIVER';

/** An error from a hardware device or driver, with a stable code. */
export class HalError extends Error {
  override readonly name = 'HalError';
  constructor(
    readonly code: HalErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function closedError(device: string): HalError {
  return new HalError('DEVICE_CLOSED', `${device} is closed`);
}
