/**
 * The face template of an unknown face, sealed by the terminal to the site's public key
 * (ECIES: X25519 with a fresh ephemeral key per template, HKDF-SHA256, AES-256-GCM), so
 * the broker, other subscribers and the terminal's own event log hold only ciphertext;
 * only the holder of the site's private key opens it. The model, dimension and key id
 * travel in the clear and are bound to the ciphertext as associated data.
 *
 * `data` is base64 of `ephemeral public key (32) | iv (12) | tag (16) | ciphertext`,
 * the ciphertext being the template's float32 little-endian bytes.
 */
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { z } from 'zod';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
// DER prefixes of an X25519 key: PKCS#8 private, SPKI public (RFC 8410); the raw 32 bytes follow.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** A site public key as terminals are configured with it: base64 of the 32 raw X25519 bytes. */
export const strangerTemplateKey = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be an X25519 public key: 32 bytes in base64');

export const sealedStrangerTemplate = z.object({
  v: z.literal(1),
  /** Which site key it is sealed to: 16 hex digits of the key's SHA-256. */
  kid: z.string().regex(/^[0-9a-f]{16}$/),
  /** The model set the embedding was made with (as templates name it in `persons.upsert`). */
  model: z.string().min(1).max(64),
  dim: z.number().int().min(16).max(4096),
  data: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64').max(24_000),
});
export type SealedStrangerTemplate = z.infer<typeof sealedStrangerTemplate>;

export class StrangerTemplateError extends Error {
  readonly code = 'TEMPLATE_UNREADABLE';
}

/** The key id of a public key (base64 raw bytes). */
export function strangerKeyId(publicKey: string): string {
  return createHash('sha256').update(Buffer.from(publicKey, 'base64')).digest('hex').slice(0, 16);
}

export interface StrangerKeyPair {
  /** What terminals are configured with (`face.strangerTemplateKey`). */
  publicKey: string;
  kid: string;
  privateKey: KeyObject;
}

/**
 * The site's key pair, derived from a secret the site already keeps outside its
 * database (its `site.key`): nothing new to store, and the same pair after a restart.
 */
export function strangerKeyPairFromSecret(secret: Buffer): StrangerKeyPair {
  const raw = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'limen stranger template key v1', KEY_BYTES));
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = spki.subarray(SPKI_PREFIX.length).toString('base64');
  return { publicKey, kid: strangerKeyId(publicKey), privateKey };
}

const aad = (t: Pick<SealedStrangerTemplate, 'kid' | 'model' | 'dim'>) => Buffer.from(`limen-stranger-template/1|${t.kid}|${t.model}|${t.dim}`);
const derive = (shared: Buffer, epk: Buffer, recipient: Buffer) =>
  Buffer.from(hkdfSync('sha256', shared, Buffer.concat([epk, recipient]), 'limen stranger template v1', KEY_BYTES));

/** Seals `template` (an embedding) to the site key `publicKey` (base64 raw X25519). */
export function sealStrangerTemplate(publicKey: string, template: Float32Array, model: string): SealedStrangerTemplate {
  const recipientRaw = Buffer.from(strangerTemplateKey.parse(publicKey), 'base64');
  const recipient = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, recipientRaw]), format: 'der', type: 'spki' });
  const eph = generateKeyPairSync('x25519');
  const epk = eph.publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  const key = derive(diffieHellman({ privateKey: eph.privateKey, publicKey: recipient }), epk, recipientRaw);
  const head = { v: 1 as const, kid: strangerKeyId(publicKey), model, dim: template.length };
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad(head));
  const plain = Buffer.from(template.buffer, template.byteOffset, template.byteLength);
  const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { ...head, data: Buffer.concat([epk, iv, cipher.getAuthTag(), ct]).toString('base64') };
}

/** Opens a sealed template with the site's key pair; StrangerTemplateError when it is not for this key or was altered. */
export function openStrangerTemplate(keys: StrangerKeyPair, sealed: SealedStrangerTemplate): Float32Array {
  if (sealed.kid !== keys.kid) throw new StrangerTemplateError(`sealed to another site key (${sealed.kid})`);
  const blob = Buffer.from(sealed.data, 'base64');
  if (blob.length !== KEY_BYTES + IV_BYTES + TAG_BYTES + sealed.dim * 4) throw new StrangerTemplateError('sealed template has the wrong length');
  const epk = blob.subarray(0, KEY_BYTES);
  const iv = blob.subarray(KEY_BYTES, KEY_BYTES + IV_BYTES);
  const tag = blob.subarray(KEY_BYTES + IV_BYTES, KEY_BYTES + IV_BYTES + TAG_BYTES);
  const ct = blob.subarray(KEY_BYTES + IV_BYTES + TAG_BYTES);
  try {
    const ephemeral = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, epk]), format: 'der', type: 'spki' });
    const key = derive(diffieHellman({ privateKey: keys.privateKey, publicKey: ephemeral }), epk, Buffer.from(keys.publicKey, 'base64'));
    const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(aad(sealed));
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([decipher.update(ct), decipher.final()]);
    const out = new Float32Array(sealed.dim);
    Buffer.from(out.buffer).set(plain);
    return out;
  } catch {
    throw new StrangerTemplateError('sealed template does not open (altered, or sealed to another key)');
  }
}
