/**
 * Face vectors at rest in the site database: AES-256-GCM under a key derived from the
 * site secret (`site.key`, a 0600 file beside the database, never inside it), each
 * sealed value bound to what it belongs to (associated data), so a copy of the
 * database alone holds no template, and a sealed value moved to another row does not open.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SealedVectorError extends Error {
  readonly code = 'SEALED_VECTOR_UNREADABLE';
}

export interface VectorSeal {
  seal(vector: Float32Array, context: string): string;
  open(sealed: string, context: string): Float32Array;
}

export function vectorSeal(secret: Buffer): VectorSeal {
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'limen site face vectors at rest v1', 32));
  return {
    seal(vector, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(context));
      const ct = Buffer.concat([cipher.update(Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength)), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64');
    },
    open(sealed, context) {
      const blob = Buffer.from(sealed, 'base64');
      if (blob.length < IV_BYTES + TAG_BYTES || (blob.length - IV_BYTES - TAG_BYTES) % 4 !== 0) throw new SealedVectorError('not a sealed vector');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, IV_BYTES)).setAAD(Buffer.from(context));
        decipher.setAuthTag(blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        const plain = Buffer.concat([decipher.update(blob.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
        const out = new Float32Array(plain.length / 4);
        Buffer.from(out.buffer).set(plain);
        return out;
      } catch {
        throw new SealedVectorError(`sealed vector of ${context} does not open (another site key, or altered)`);
      }
    },
  };
}
