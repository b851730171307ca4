import { endianness } from 'node:os';
import type { Database } from 'better-sqlite3';
import { MatcherError } from './errors.js';
import type { ExactTemplateSource, Matcher } from './matcher.js';

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** A template as the `face_templates.template` BLOB stores it: float32 little-endian. */
export function encodeTemplate(template: Float32Array): Buffer {
  if (!(template instanceof Float32Array)) throw new TypeError('encodeTemplate takes a Float32Array');
  if (LITTLE_ENDIAN_HOST) return Buffer.from(template.buffer.slice(template.byteOffset, template.byteOffset + template.byteLength));
  const out = Buffer.alloc(template.length * 4);
  for (let i = 0; i < template.length; i++) out.writeFloatLE(template[i]!, i * 4);
  return out;
}

/** Decodes a template BLOB of `dim` float32 values; null when its length is wrong. */
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

/** Turns a `face_templates.template` BLOB into its float32 values; null when it does not decode. */
export type TemplateDecoder = (templateId: string, blob: Uint8Array, dim: number) => Float32Array | null;

export interface LoadGalleryOptions {
  /** Only templates made by this embedding model are loaded (`face_templates.model_id`). */
  modelId: string;
  /**
   * How BLOBs decode (for example a sealed-template codec's `decode`). Default:
   * plain float32 little-endian ({@link decodeTemplate}).
   */
  decode?: TemplateDecoder;
}

const plainDecode: TemplateDecoder = (_id, blob, dim) => decodeTemplate(blob, dim);

export interface LoadGalleryResult {
  loaded: number;
  /** Rows left out, and why: a bad row never stops the others from loading. */
  skipped: Array<{ id: string; reason: string }>;
  /** Time reading and decoding rows into the matcher. */
  readMs: number;
  /** Time indexing them for the int8 scan (`matcher.flush()`). */
  indexMs: number;
}

type Row = [id: string, personId: string, dim: number, template: unknown];

/**
 * Loads every template of one model from the store's `face_templates` table
 * (id PK, person_id, model_id, dim, template BLOB, quality, created_at) into the
 * matcher, then indexes them, so the first search is already fast.
 */
export async function loadGallery(db: Database, matcher: Matcher, options: LoadGalleryOptions): Promise<LoadGalleryResult> {
  if (typeof options?.modelId !== 'string' || options.modelId === '') throw new TypeError('loadGallery: modelId is required');
  const decode = options.decode ?? plainDecode;
  const started = performance.now();
  const skipped: Array<{ id: string; reason: string }> = [];
  let loaded = 0;
  const rows = db
    .prepare<[string], Row>('SELECT id, person_id, dim, template FROM face_templates WHERE model_id = ?')
    .raw(true)
    .iterate(options.modelId);
  for (const [id, personId, dim, blob] of rows) {
    if (dim !== matcher.dim) {
      skipped.push({ id, reason: `dim ${dim}, the matcher uses ${matcher.dim}` });
      continue;
    }
    const template = blob instanceof Uint8Array ? decode(id, blob, dim) : null;
    if (!template) {
      skipped.push({ id, reason: `template does not decode to ${dim} float32 values` });
      continue;
    }
    try {
      matcher.add(id, personId, template);
      loaded++;
    } catch (err) {
      if (!(err instanceof MatcherError) || err.code === 'CLOSED') throw err;
      skipped.push({ id, reason: err.message });
    }
  }
  const read = performance.now();
  await matcher.flush();
  return { loaded, skipped, readMs: read - started, indexMs: performance.now() - read };
}

/**
 * An `exactTemplates` source for the Matcher that reads float32 templates from
 * the store's face_templates table by id (one primary-key lookup each; the
 * matcher asks for a few rows in the rare searches whose float16 scores are
 * too close to rank). An id that is missing, of another model or malformed
 * gives null, and the matcher keeps its float16 score for it.
 */
export function storeExactTemplates(db: Database, options: LoadGalleryOptions): ExactTemplateSource {
  if (typeof options?.modelId !== 'string' || options.modelId === '') throw new TypeError('storeExactTemplates: modelId is required');
  const { modelId } = options;
  const decode = options.decode ?? plainDecode;
  const stmt = db.prepare<[string, string], [number, unknown]>('SELECT dim, template FROM face_templates WHERE id = ? AND model_id = ?').raw(true);
  return (templateIds) =>
    templateIds.map((id) => {
      const row = stmt.get(id, modelId);
      if (!row) return null;
      const [dim, blob] = row;
      return blob instanceof Uint8Array ? decode(id, blob, dim) : null;
    });
}
