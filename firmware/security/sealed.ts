/**
 * AES-256-GCM sealing of biometric data at rest (face templates, kept photos;
 * the template codec is in store/template-codec.ts).
 * A sealed blob is `LMS1` | 12-byte random IV | ciphertext | 16-byte tag. The
 * additional data binds a blob to its row (the template id), so a blob copied
 * into another person's row does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DATA_KEY_BYTES } from './data-key.js';

const MAGIC = Buffer.from('LMS1');
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes a sealed blob adds to its plaintext. */
export const SEAL_OVERHEAD = MAGIC.length + IV_BYTES + TAG_BYTES;

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.byteLength !== DATA_KEY_BYTES) throw new TypeError(`the data key is ${DATA_KEY_BYTES} bytes`);
}

export function seal(key: Uint8Array, plaintext: Uint8Array, aad: string): Buffer {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([MAGIC, iv, body, c.getAuthTag()]);
}

export function isSealed(blob: Uint8Array): boolean {
  return blob.byteLength >= SEAL_OVERHEAD && Buffer.from(blob.buffer, blob.byteOffset, MAGIC.length).equals(MAGIC);
}

/** The plaintext, or null when the blob is not sealed, was sealed under another key or row, or was altered. */
export function open(key: Uint8Array, blob: Uint8Array, aad: string): Buffer | null {
  checkKey(key);
  if (!isSealed(blob)) return null;
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  try {
    const d = createDecipheriv('aes-256-gcm', key, b.subarray(MAGIC.length, MAGIC.length + IV_BYTES));
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(b.subarray(b.length - TAG_BYTES));
    return Buffer.concat([d.update(b.subarray(MAGIC.length + IV_BYTES, b.length - TAG_BYTES)), d.final()]);
  } catch {
    return null;
  }
}
