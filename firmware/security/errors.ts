import { CodedError } from '../../hal/coded-error.js';

/** Errors of the security layer; `code` is stable and safe to show or send. */
export type SecurityErrorCode =
  | 'OPENSSL_MISSING'
  | 'OPENSSL_FAILED'
  | 'BAD_CA'
  | 'BAD_KEY_FILE'
  | 'KEY_FILE_PERMISSIONS'
  | 'DECRYPT_FAILED'
  | 'BAD_CIPHERTEXT';

export class SecurityError extends CodedError<SecurityErrorCode> {
  override readonly name = 'SecurityError';
}
