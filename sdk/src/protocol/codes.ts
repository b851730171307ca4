/**
 * Error codes carried in `error.code` of a failed reply. Readers must accept codes
 * they do not know (a newer peer may add some); they are plain strings on the wire.
 */
export const ERROR_CODES = [
  /** The payload is not JSON, or the envelope or body does not match the schema. */
  'BAD_REQUEST',
  /** The envelope's `v` is outside the receiver's range; `details` holds `{min, max}`. */
  'UNSUPPORTED_VERSION',
  /** The payload is larger than `LIMITS.maxMessageBytes`. */
  'PAYLOAD_TOO_LARGE',
  /** `expiresAt` had passed when the request arrived; nothing was executed. */
  'EXPIRED',
  /** No such command in this protocol revision. */
  'UNKNOWN_COMMAND',
  /** The command exists but this terminal does not implement it (no camera, no relay...). */
  'NOT_SUPPORTED',
  /** Too many requests in progress; retry later. */
  'BUSY',
  /** The terminal refused a well-formed request; `message` says why. */
  'REJECTED',
  /** A configuration was refused; `message` says why. */
  'CONFIG_REJECTED',
  /** A gallery delta does not start at the terminal's version; `details` holds `{version}`. */
  'VERSION_MISMATCH',
  /** A gallery chunk does not continue where the session stands; `details` holds `{applied}`. */
  'OUT_OF_ORDER',
  /** The thing named does not exist (a gallery session, a door). */
  'NOT_FOUND',
  /** The terminal only accepts signed requests and this one has no `sig`. */
  'SIGNATURE_MISSING',
  /** `sig` is malformed or does not match the message and its topic. */
  'SIGNATURE_INVALID',
  /** `sig` names a key id the terminal does not trust (not provisioned, or retired). */
  'UNKNOWN_KEY',
  /** A signed request with this id was already accepted, or it was issued before the terminal's replay window began. */
  'REPLAYED',
  /** A signed request's `ts` lies further ahead of the terminal's clock than the tolerated skew; nothing was executed. */
  'CLOCK_SKEW',
  /** A face came without a valid consent record (`faces.N.consent`: who, when, how); nothing was written. */
  'CONSENT_REQUIRED',
  /** The terminal failed while executing; the request may or may not have taken effect. */
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Codes a newer peer may send; `ErrorCode` still completes in editors. */
export type AnyErrorCode = ErrorCode | (string & {});

export function isErrorCode(s: string): s is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(s);
}
