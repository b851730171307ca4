import type { AnyErrorCode } from './protocol/index.js';

export type FleetErrorCode = 'OFFLINE' | 'TIMEOUT' | 'CLOSED' | 'DISCONNECTED' | 'BAD_REPLY' | AnyErrorCode;

/** Base class of every error the SDK rejects with; `code` is stable, `terminal` names the target. */
export class FleetError extends Error {
  override readonly name: string = 'FleetError';
  constructor(
    readonly code: FleetErrorCode,
    message: string,
    readonly terminal?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The terminal is not connected (its presence is offline or unknown); nothing was sent. */
export class OfflineError extends FleetError {
  override readonly name = 'OfflineError';
  constructor(terminal: string, message = `terminal ${terminal} is offline`) {
    super('OFFLINE', message, terminal);
  }
}

/** No reply came before the deadline; the request may or may not have been executed. */
export class TimeoutError extends FleetError {
  override readonly name = 'TimeoutError';
  constructor(terminal: string, command: string, ms: number) {
    super('TIMEOUT', `${command} to ${terminal}: no reply within ${ms} ms`, terminal);
  }
}

/** The terminal (or the SDK, before sending) refused the request; `code` says why. */
export class RejectedError extends FleetError {
  override readonly name = 'RejectedError';
  constructor(
    code: AnyErrorCode,
    message: string,
    terminal?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(code, message, terminal);
  }
}

/** `close()` was called. */
export class ClosedError extends FleetError {
  override readonly name = 'ClosedError';
  constructor() {
    super('CLOSED', 'the fleet client is closed');
  }
}

/** The SDK itself is not connected to the broker. */
export class DisconnectedError extends FleetError {
  override readonly name = 'DisconnectedError';
  constructor(terminal?: string) {
    super('DISCONNECTED', 'not connected to the broker', terminal);
  }
}

/** A terminal answered with something that does not match the contract. */
export class ProtocolError extends FleetError {
  override readonly name = 'ProtocolError';
  constructor(message: string, terminal?: string) {
    super('BAD_REPLY', message, terminal);
  }
}
