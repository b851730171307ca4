/**
 * How a face template is kept in `face_templates.template`: float32 little-endian,
 * sealed under the terminal's data key on a terminal (AES-256-GCM, bound to the
 * row's id, see security/sealed), plain in development and tests.
 */
import { endianness } from 'node:os';
import { DATA_KEY_BYTES } from '../security/data-key.js';
import { isSealed, open, seal } from '../security/sealed.js';

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** A template as float32 little-endian bytes. */
export function encodeTemplate(template: Float32Array): Buffer {
  if (!(template instanceof Float32Array)) throw new TypeError('encodeTemplate takes a Float32Array');
  if (LITTLE_ENDIAN_HOST) return Buffer.from(template.buffer.slice(template.byteOffset, template.byteOffset + template.byteLength));
  const out = Buffer.alloc(template.length * 4);
  for (let i = 0; i < template.length; i++) out.writeFloatLE(template[i]!, i * 4);
  return out;
}

/** Decodes `dim` float32 little-endian values; null when the length is wrong. */
export function decodeTemplate(blob: Uint8Array, dim: number): Float32Array | null {
  if (!(blob instanceof Uint8Array) || blob.byteLength !== dim * 4) return null;
  if (LITTLE_ENDIAN_HOST) {
    // A view when aligned (the matcher copies on add anyway), else one copy.
    if (blob.byteOffset % 4 === 0) return new Float32Array(blob.buffer, blob.byteOffset, dim);
    const copy = new Uint8Array(blob.byteLength); // (Buffer#slice would be a view, not a copy)
    copy.set(blob);
    return new Float32Array(copy.buffer, 0, dim);
  }
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

const aad = (id: string) => `face_template:${id}`;

/** The sealed BLOB for template `id`. */
export function sealTemplate(key: Uint8Array, id: string, template: Float32Array): Buffer {
  return seal(key, encodeTemplate(template), aad(id));
}

/** The template of row `id`, or null when the blob does not open or has the wrong length. */
export function openTemplate(key: Uint8Array, id: string, blob: Uint8Array, dim: number): Float32Array | null {
  const plain = open(key, blob, aad(id));
  return plain ? decodeTemplate(plain, dim) : null;
}

/** How `face_templates.template` BLOBs are written and read; the template store holds one. */
export interface TemplateCodec {
  encode(id: string, template: Float32Array): Buffer;
  /** Null when the blob does not decode (wrong length, wrong key, altered). */
  decode(id: string, blob: Uint8Array, dim: number): Float32Array | null;
}

/** Plain float32 (development, and databases from before encryption). */
export const plainTemplateCodec: TemplateCodec = {
  encode: (_id, t) => encodeTemplate(t),
  decode: (_id, blob, dim) => decodeTemplate(blob, dim),
};

/**
 * Sealed under the terminal's data key. Reads plain rows too, so a terminal that
 * turns encryption on keeps working until its plain rows are sealed.
 */
export function sealedTemplateCodec(key: Uint8Array): TemplateCodec {
  if (!(key instanceof Uint8Array) || key.byteLength !== DATA_KEY_BYTES) throw new TypeError(`the data key is ${DATA_KEY_BYTES} bytes`);
  return {
    encode: (id, t) => sealTemplate(key, id, t),
    decode: (id, blob, dim) => (isSealed(blob) ? openTemplate(key, id, blob, dim) : decodeTemplate(blob, dim)),
  };
}
