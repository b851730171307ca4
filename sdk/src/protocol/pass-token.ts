/**
 * Visitor pass tokens: what a QR code carries. `LP1.{claims}.{signature}`, both
 * base64url; the claims are compact JSON and the Ed25519 signature covers
 * `limen-pass\n{claims base64url}`, so a terminal verifies a pass offline with
 * the fleet keys it already trusts for commands. Times are whole seconds to keep
 * the code small (a pass with one terminal is ~250 characters: a version 11 QR code, 61 modules, at level M).
 */
import { sign, verify } from 'node:crypto';
import { z } from 'zod';
import { ID_PATTERN as ID, hasUnsafeText } from './ids.js';
import { describeIssues } from './issues.js';
import type { Signer, TrustedKeys } from './signature.js';

export const PASS_PREFIX = 'LP1';
export const MAX_PASS_TOKEN_CHARS = 1200;

export const passClaims = z.strictObject({
  /** Key id of the signer. */
  k: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  /** Pass id (uses are counted per id). */
  i: z.string().regex(ID),
  /** Holder, as shown and logged. */
  h: z.string().min(1).max(80).refine((s) => !hasUnsafeText(s), 'must not contain control or bidirectional-override characters'),
  /** Terminals it opens; absent = any terminal in `z` (or, with neither, none). */
  t: z.array(z.string().regex(ID)).min(1).max(16).optional(),
  /** Zones it opens. */
  z: z.array(z.string().regex(ID)).min(1).max(16).optional(),
  /** Valid from (inclusive) and until (exclusive), seconds since the epoch. */
  f: z.number().int().nonnegative().max(1e11),
  u: z.number().int().positive().max(1e11),
  /** Maximum uses. */
  n: z.number().int().min(1).max(1000),
});
export type PassClaims = z.infer<typeof passClaims>;

export interface VisitorPass {
  id: string;
  holder: string;
  terminals: string[];
  zones: string[];
  validFrom: number;
  validUntil: number;
  maxUses: number;
  kid: string;
}

export type PassTokenError = 'PASS_MALFORMED' | 'PASS_UNKNOWN_KEY' | 'PASS_SIGNATURE_INVALID';
export type DecodedPass = { ok: true; pass: VisitorPass } | { ok: false; code: PassTokenError; message: string };

const signedText = (claims: string) => Buffer.from(`limen-pass\n${claims}`, 'ascii');

export interface PassSpec {
  id: string;
  holder: string;
  terminals?: string[];
  zones?: string[];
  /** ms since the epoch; rounded down / up to whole seconds. */
  validFrom: number;
  validUntil: number;
  maxUses: number;
}

export function encodePassToken(spec: PassSpec, signer: Signer): string {
  const claims: PassClaims = {
    k: signer.kid,
    i: spec.id,
    h: spec.holder,
    ...(spec.terminals?.length ? { t: spec.terminals } : {}),
    ...(spec.zones?.length ? { z: spec.zones } : {}),
    f: Math.floor(spec.validFrom / 1000),
    u: Math.ceil(spec.validUntil / 1000),
    n: spec.maxUses,
  };
  const r = passClaims.safeParse(claims);
  if (!r.success) throw new TypeError(`visitor pass: ${describeIssues(r.error, { max: Infinity })}`);
  if (!claims.t && !claims.z) throw new TypeError('visitor pass: give terminals or zones');
  if (claims.u <= claims.f) throw new TypeError('visitor pass: validUntil must be after validFrom');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${PASS_PREFIX}.${body}.${sign(null, signedText(body), signer.privateKey).toString('base64url')}`;
}

/** Parses and verifies a token's signature (not its validity window or target). Never throws. */
export function decodePassToken(token: unknown, trusted: TrustedKeys): DecodedPass {
  const bad = (message: string): DecodedPass => ({ ok: false, code: 'PASS_MALFORMED', message });
  if (typeof token !== 'string' || token.length > MAX_PASS_TOKEN_CHARS) return bad('not a pass token');
  const m = /^LP1\.([A-Za-z0-9_-]{1,1000})\.([A-Za-z0-9_-]{86})$/.exec(token);
  if (!m) return bad('not a pass token');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8'));
  } catch {
    return bad('pass claims are not JSON');
  }
  const c = passClaims.safeParse(json);
  if (!c.success) return bad('pass claims do not match the schema');
  const key = trusted.get(c.data.k);
  if (!key) return { ok: false, code: 'PASS_UNKNOWN_KEY', message: `key ${c.data.k} is not trusted` };
  let good = false;
  try {
    good = verify(null, signedText(m[1]!), key, Buffer.from(m[2]!, 'base64url'));
  } catch {
    good = false;
  }
  if (!good) return { ok: false, code: 'PASS_SIGNATURE_INVALID', message: 'the pass signature does not match' };
  const d = c.data;
  return {
    ok: true,
    pass: { id: d.i, holder: d.h, terminals: d.t ?? [], zones: d.z ?? [], validFrom: d.f * 1000, validUntil: d.u * 1000, maxUses: d.n, kid: d.k },
  };
}
