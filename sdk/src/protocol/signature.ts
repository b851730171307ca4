/**
 * Ed25519 signatures over `canonicalBytes(topic, message)`. The envelope's `sig`
 * carries `{kid}.{signature as base64url}`: the key id picks one of the receiver's
 * trusted keys, so keys can be rotated by trusting the new one before signing
 * with it and dropping the old one afterwards.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalBytes } from './canonical.js';

/** Key ids: 1-32 of `[A-Za-z0-9_-]`. */
const KID_RE = /^[A-Za-z0-9_-]{1,32}$/;
const SIG_RE = /^([A-Za-z0-9_-]{1,32})\.([A-Za-z0-9_-]{86})$/;

export interface Signer {
  kid: string;
  privateKey: KeyObject;
}

/** Trusted public keys by key id. */
export type TrustedKeys = ReadonlyMap<string, KeyObject>;

export type SignatureCheck =
  | { ok: true; kid: string }
  | { ok: false; code: 'SIGNATURE_MISSING' | 'SIGNATURE_INVALID' | 'UNKNOWN_KEY'; message: string };

/** A key id derived from the public key: 16 base64url characters of its SHA-256. */
export function keyIdOf(publicKey: KeyObject): string {
  const raw = publicKey.export({ format: 'der', type: 'spki' });
  return createHash('sha256').update(raw).digest('base64url').slice(0, 16);
}

/** The raw 32-byte Ed25519 public key as base64 (how trusted keys are written in files). */
export function publicKeyToBase64(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' }) as { x?: string };
  if (!jwk.x) throw new TypeError('not an Ed25519 public key');
  return Buffer.from(jwk.x, 'base64url').toString('base64');
}

export function publicKeyFromBase64(b64: string): KeyObject {
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== 32) throw new TypeError('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** A signer from a PKCS#8 PEM Ed25519 private key; the key id is derived unless given. */
export function signerFromPem(pem: string | Buffer, kid?: string): Signer {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError('the signing key must be Ed25519');
  const id = kid ?? keyIdOf(createPublicKey(privateKey));
  if (!KID_RE.test(id)) throw new TypeError(`key id must match ${KID_RE}`);
  return { kid: id, privateKey };
}

/** The `sig` value for a message published on `topic` (any `sig` already there is ignored). */
export function signatureFor(topic: string, message: Record<string, unknown>, signer: Signer): string {
  const s = sign(null, canonicalBytes(topic, message), signer.privateKey);
  return `${signer.kid}.${s.toString('base64url')}`;
}

/** The message with its `sig` set. */
export function signMessage<M extends Record<string, unknown>>(topic: string, message: M, signer: Signer): M & { sig: string } {
  return { ...message, sig: signatureFor(topic, message, signer) };
}

/** Checks `message.sig` against the trusted keys. Never throws. */
export function verifyMessage(topic: string, message: Record<string, unknown>, trusted: TrustedKeys): SignatureCheck {
  const sig = message.sig;
  if (sig === undefined) return { ok: false, code: 'SIGNATURE_MISSING', message: 'this terminal only accepts signed requests' };
  const m = typeof sig === 'string' ? SIG_RE.exec(sig) : null;
  if (!m) return { ok: false, code: 'SIGNATURE_INVALID', message: 'sig must be {kid}.{64-byte base64url signature}' };
  const key = trusted.get(m[1]!);
  if (!key) return { ok: false, code: 'UNKNOWN_KEY', message: `key ${m[1]} is not trusted by this terminal` };
  let good = false;
  try {
    // JSON from the wire is always canonicalisable; the try covers a caller's odd object.
    good = verify(null, canonicalBytes(topic, message), key, Buffer.from(m[2]!, 'base64url'));
  } catch {
    good = false;
  }
  return good ? { ok: true, kid: m[1]! } : { ok: false, code: 'SIGNATURE_INVALID', message: 'the signature does not match the message' };
}
