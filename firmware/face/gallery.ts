// The matcher kept in step with the store's face_templates table, also when another
// process (the CLI, the fleet agent) enrols or erases someone.
import type { Statement } from 'better-sqlite3';
import { META_KEYS, type Store } from '../store/index.js';
import { loadGallery, type LoadGalleryResult, type Matcher, type SearchHit } from '../vision/matcher/index.js';

/** What enrolment needs of a gallery: search for duplicates, add and remove templates. */
export interface GalleryWriter {
  search(embedding: Float32Array, k: number): Promise<SearchHit[]> | SearchHit[];
  add(templateId: string, personId: string, template: Float32Array): void;
  remove(templateId: string): boolean;
}

export interface GallerySyncResult {
  added: number;
  removed: number;
  /** Rows that could not be loaded (wrong length), by id. */
  skipped: string[];
}

type IdRow = [id: string, personId: string];
type TemplateRow = [dim: number, template: unknown];

/**
 * A Matcher synchronised with the store whenever the store's gallery version
 * (META_KEYS.galleryVersion, bumped by every enrolment and erasure) differs from
 * the one last seen. `sync()` is cheap when nothing changed: one read of the
 * version. Templates are decoded with the store's `templateCodec`; the matcher
 * itself is the record of which ids are loaded.
 */
export class LiveGallery implements GalleryWriter {
  private version: number | null = null;
  private readonly idsStmt: Statement<[string], IdRow>;
  private readonly templateStmt: Statement<[string], TemplateRow>;

  constructor(
    private readonly store: Store,
    readonly matcher: Matcher,
    /** `face_templates.model_id` of the templates this gallery holds (the model set name). */
    readonly modelId: string,
  ) {
    this.idsStmt = store.db.prepare<[string], IdRow>('SELECT id, person_id FROM face_templates WHERE model_id = ?').raw(true);
    this.templateStmt = store.db.prepare<[string], TemplateRow>('SELECT dim, template FROM face_templates WHERE id = ?').raw(true);
  }

  /** Templates in the live matcher. */
  get size(): number {
    return this.matcher.size;
  }

  /** The gallery version the matcher reflects. */
  get loadedVersion(): number | null {
    return this.version;
  }

  /** Loads every template of the model (see loadGallery), remembering the version it reflects. */
  async load(): Promise<LoadGalleryResult> {
    const version = this.currentVersion();
    const codec = this.store.templateCodec;
    const result = await loadGallery(this.store.db, this.matcher, { modelId: this.modelId, decode: (id, blob, dim) => codec.decode(id, blob, dim) });
    this.version = version;
    return result;
  }

  /** Brings the matcher in line with the store if the gallery version changed; null when it had not. */
  sync(): GallerySyncResult | null {
    const version = this.currentVersion();
    if (version === this.version) return null;
    const result: GallerySyncResult = { added: 0, removed: 0, skipped: [] };
    const present = new Set<string>();
    for (const [id, personId] of this.idsStmt.iterate(this.modelId)) {
      present.add(id);
      if (this.matcher.has(id)) continue;
      const template = this.readTemplate(id);
      if (!template) {
        result.skipped.push(id);
        continue;
      }
      this.add(id, personId, template);
      result.added++;
    }
    const gone: string[] = [];
    for (const id of this.matcher.templateIds()) if (!present.has(id)) gone.push(id);
    for (const id of gone) if (this.remove(id)) result.removed++;
    this.version = version;
    return result;
  }

  /** Syncs first, so an erased person is never matched, then searches. */
  search(embedding: Float32Array, k: number): Promise<SearchHit[]> {
    this.sync();
    return this.matcher.search(embedding, k);
  }

  verify(personId: string, embedding: Float32Array): SearchHit | null {
    this.sync();
    return this.matcher.verify(personId, embedding);
  }

  add(templateId: string, personId: string, template: Float32Array): void {
    this.matcher.add(templateId, personId, template);
  }

  remove(templateId: string): boolean {
    return this.matcher.remove(templateId);
  }

  has(templateId: string): boolean {
    return this.matcher.has(templateId);
  }

  close(): Promise<void> {
    return this.matcher.close();
  }

  private currentVersion(): number {
    return this.store.meta.getInt(META_KEYS.galleryVersion);
  }

  private readTemplate(id: string): Float32Array | null {
    const row = this.templateStmt.get(id);
    if (!row) return null;
    const [dim, blob] = row;
    return dim === this.matcher.dim && blob instanceof Uint8Array ? this.store.templateCodec.decode(id, blob, dim) : null;
  }
}
