import { createHmac } from 'node:crypto';
import { AccessError } from './errors.js';

const MAX_CARD_DIGITS = 20;
/** Raw input longer than this is refused before looking at it (padding included). */
const MAX_CARD_INPUT = 64;

function shown(value: string): string {
  return JSON.stringify(value.length > 32 ? `${value.slice(0, 32)}…` : value);
}

/** Why `value` is not a card number, or null when it is one. */
function cardNumberProblem(value: string): string | null {
  if (typeof value !== 'string') return 'not a string';
  const v = value.trim();
  if (v === '') return 'empty';
  if (v.length > MAX_CARD_INPUT) return `longer than ${MAX_CARD_INPUT} characters`;
  if (!/^\d+$/.test(v)) return 'only the digits 0-9 are allowed';
  if (v.replace(/^0+(?=\d)/, '').length > MAX_CARD_DIGITS) return `more than ${MAX_CARD_DIGITS} digits`;
  return null;
}

/**
 * A card number as stored and compared: decimal digits without leading zeros
 * ('0042' and '42' are the same card), surrounding blanks ignored. Throws
 * AccessError 'INVALID_CARD_NUMBER' naming the value.
 */
export function normaliseCardNumber(value: string): string {
  const problem = cardNumberProblem(value);
  if (problem) throw new AccessError('INVALID_CARD_NUMBER', `invalid card number ${shown(String(value))}: ${problem}`);
  return value.trim().replace(/^0+(?=\d)/, '');
}

export function isValidCardNumber(value: string): boolean {
  return cardNumberProblem(value) === null;
}

/** 4 to 8 digits. */
export function isValidPin(value: string): boolean {
  return typeof value === 'string' && /^\d{4,8}$/.test(value);
}

/** Throws AccessError 'INVALID_PIN' (without echoing the PIN) unless `value` is 4 to 8 digits. */
export function assertValidPin(value: string): void {
  if (!isValidPin(value)) throw new AccessError('INVALID_PIN', 'invalid PIN: must be 4 to 8 digits');
}

/**
 * The stored lookup key for a PIN: HMAC-SHA256 under the terminal's secret key.
 * Equal PINs give equal keys, so lookup is one indexed equality, but the PIN
 * cannot be read back from a credential row, an export or a log. The key sits
 * in the same database (meta), so this does not protect against theft of the
 * whole file: 10^8 PINs are quickly tried with the key in hand.
 */
export function pinLookupKey(pin: string, key: Buffer): string {
  return createHmac('sha256', key).update(pin, 'utf8').digest('hex');
}
