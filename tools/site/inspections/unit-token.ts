/**
 * Unit card tokens: what the QR code on a rented room's card carries.
 * `LU1.{kid}.{unit}.{serial}.{mac}`: the unit id, the card's serial (a reprinted card
 * gets the next one, so a lost card stops working) and an HMAC-SHA256 (16 bytes,
 * base64url) over `limen-unit\n{kid}.{unit}.{serial}` under a key derived from the
 * site secret. Only the site makes and checks these (terminals never see them), so a
 * symmetric key is enough and, unlike the fleet signing key, every site has one.
 * The kid names the key: a card printed under another site secret (a rotated or a
 * different site's key) is refused as such, not as a forgery.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const UNIT_TOKEN_PREFIX = 'LU1';
export const MAX_UNIT_TOKEN_CHARS = 200;

export interface UnitCardKey {
  /** 8 base64url characters naming the key (a fingerprint of the secret). */
  kid: string;
  key: Buffer;
}

/** The unit card key of a site secret: derived, so there is nothing else to keep. */
export function unitCardKey(secret: Buffer): UnitCardKey {
  const kid = createHmac('sha256', secret).update('limen-unit-card-kid').digest('base64url').slice(0, 8);
  return { kid, key: createHmac('sha256', secret).update('limen-unit-card-key').digest() };
}

export interface UnitCardClaims {
  unitId: number;
  /** The card's serial: the unit's current one, or the card was replaced. */
  serial: number;
}

export type UnitTokenError = 'CARD_NOT_A_CARD' | 'CARD_UNKNOWN_KEY' | 'CARD_FORGED';
export type DecodedUnitToken = ({ ok: true; kid: string } & UnitCardClaims) | { ok: false; code: UnitTokenError; message: string };

const mac = (key: Buffer, body: string) => createHmac('sha256', key).update(`limen-unit\n${body}`).digest().subarray(0, 16);

export function encodeUnitToken(claims: UnitCardClaims, k: UnitCardKey): string {
  if (!Number.isSafeInteger(claims.unitId) || claims.unitId < 1) throw new TypeError('unit card: unitId must be a positive integer');
  if (!Number.isSafeInteger(claims.serial) || claims.serial < 1) throw new TypeError('unit card: serial must be a positive integer');
  const body = `${k.kid}.${claims.unitId}.${claims.serial}`;
  return `${UNIT_TOKEN_PREFIX}.${body}.${mac(k.key, body).toString('base64url')}`;
}

const TOKEN = /^LU1\.([A-Za-z0-9_-]{8})\.([1-9][0-9]{0,14})\.([1-9][0-9]{0,8})\.([A-Za-z0-9_-]{22})$/;

/** Parses a scanned text and checks its MAC against the keys given (current first). Never throws. */
export function decodeUnitToken(token: unknown, keys: readonly UnitCardKey[]): DecodedUnitToken {
  if (typeof token !== 'string' || token.length > MAX_UNIT_TOKEN_CHARS) return { ok: false, code: 'CARD_NOT_A_CARD', message: 'this QR code is not a unit card' };
  const m = TOKEN.exec(token.trim());
  if (!m) return { ok: false, code: 'CARD_NOT_A_CARD', message: 'this QR code is not a unit card' };
  const [, kid, unit, serial, sig] = m as unknown as [string, string, string, string, string];
  const k = keys.find((x) => x.kid === kid);
  if (!k) return { ok: false, code: 'CARD_UNKNOWN_KEY', message: `this card was printed under another key (${kid}): the site's key changed or the card is from another site; reprint it` };
  const given = Buffer.from(sig, 'base64url');
  const want = mac(k.key, `${kid}.${unit}.${serial}`);
  if (given.length !== want.length || !timingSafeEqual(given, want)) return { ok: false, code: 'CARD_FORGED', message: 'the card’s signature does not match: it was altered or forged' };
  return { ok: true, kid, unitId: Number(unit), serial: Number(serial) };
}
