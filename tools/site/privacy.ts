/**
 * How the site keeps secrets it must still be able to match: identity-document
 * numbers and PINs are stored as a keyed hash (HMAC-SHA256 under the site's secret,
 * one purpose label each), identity numbers also masked for display. The secret
 * lives in a 0600 file beside the database, never inside it.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const DEFAULT_SECRET_FILE = 'var/site.key';
const SECRET_BYTES = 32;

export class SecretFileError extends Error {
  readonly code = 'BAD_SECRET_FILE';
}

/** Reads the site secret, or makes one (32 random bytes, hex, mode 0600) when the file does not exist. */
export function loadOrCreateSecret(file: string = DEFAULT_SECRET_FILE): Buffer {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(SECRET_BYTES).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  }
  const hex = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new SecretFileError(`${file}: expected 64 hex digits (the site secret)`);
  return Buffer.from(hex, 'hex');
}

export type HashPurpose = 'id-doc' | 'pin';

export function keyedHash(secret: Buffer, purpose: HashPurpose, value: string): string {
  return createHmac('sha256', secret).update(purpose).update('\0').update(value).digest('hex');
}

/** Upper-case, no spaces or dashes: the same document typed two ways hashes the same. */
export function normaliseIdNumber(value: string): string {
  return value.replace(/[\s-]/g, '').toUpperCase();
}

/**
 * Keeps the first 3 and last 4 characters (`110***********1234`), the way Chinese
 * resident ID numbers are commonly shown; short numbers keep only their last 2.
 */
export function maskIdNumber(value: string): string {
  const v = normaliseIdNumber(value);
  if (v.length >= 10) return v.slice(0, 3) + '*'.repeat(v.length - 7) + v.slice(-4);
  return '*'.repeat(Math.max(0, v.length - 2)) + v.slice(-2);
}
