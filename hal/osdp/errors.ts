import { CodedError } from '../coded-error.js';

export type OsdpErrorCode =
  /** The PD answered with osdp_NAK. */
  | 'NAK'
  /** The PD stopped answering (no reply after every retry). */
  | 'OFFLINE'
  /** The secure channel handshake failed: wrong key, or the PD refused. */
  | 'SECURE_CHANNEL'
  /** A reply that is well framed but makes no sense (wrong code, wrong length). */
  | 'PROTOCOL';

export class OsdpError extends CodedError<OsdpErrorCode> {
  override readonly name = 'OsdpError';
}
