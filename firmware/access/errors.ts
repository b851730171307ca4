import { CodedError } from '../../hal/coded-error.js';

export type AccessErrorCode =
  /** A field failed validation; the message reads `path: message`. */
  | 'INVALID_INPUT'
  /** A card number with non-digits, or more than 20 significant digits. */
  | 'INVALID_CARD_NUMBER'
  /** A PIN that is not 4 to 8 digits. The message never repeats the PIN. */
  | 'INVALID_PIN'
  /** A licence plate that does not normalise (`normalisePlate`). */
  | 'INVALID_PLATE'
  /** The person, group, schedule or credential named does not exist. */
  | 'NOT_FOUND'
  /** The id, card number or PIN is already taken. */
  | 'ALREADY_EXISTS'
  /** A schedule still used by a group cannot be removed. */
  | 'IN_USE';

/** An error from the access repository or service, with a stable code. */
export class AccessError extends CodedError<AccessErrorCode> {
  override readonly name = 'AccessError';
}
