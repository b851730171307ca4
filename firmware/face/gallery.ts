// The matcher kept in step with the store's face templates: changes made through this
// store arrive as template store events; changes another process made (the CLI
// enrolling into a running terminal's file) are found when SQLite's data_version moves.
import type { Unsubscribe } from '../../hal/events.js';
import type { Store, TemplateStore, TemplatesChanged } from '../store/index.js';
import { MatcherError, type ExactTemplateSource, type Matcher, type SearchHit } from '../vision/matcher/index.js';

/** What enrolment needs of a gallery: a search for duplicates. New templates reach it through the store. */
export interface GalleryWriter {
  search(embedding: Float32Array, k: number): Promise<SearchHit[]> | SearchHit[];
}

export interface GallerySyncResult {
  added: number;
  removed: number;
  /** Rows that could not be loaded (wrong length, do not open), by id. */
  skipped: string[];
}

export interface LoadTemplatesResult {
  loaded: number;
  /** Rows left out, and why: a bad row never stops the others from loading. */
  skipped: Array<{ id: string; reason: string }>;
  /** Time reading and decoding rows into the matcher. */
  readMs: number;
  /** Time indexing them for the int8 scan (`matcher.flush()`). */
  indexMs: number;
}

/** Loads every template of one model into the matcher, then indexes them, so the first search is already fast. */
export async function loadTemplates(templates: TemplateStore, matcher: Matcher, modelId: string): Promise<LoadTemplatesResult> {
  if (typeof modelId !== 'string' || modelId === '') throw new TypeError('loadTemplates: modelId is required');
  const started = performance.now();
  const skipped: Array<{ id: string; reason: string }> = [];
  let loaded = 0;
  for (const { id, personId, dim, template } of templates.list(modelId)) {
    if (dim !== matcher.dim) {
      skipped.push({ id, reason: `dim ${dim}, the matcher uses ${matcher.dim}` });
      continue;
    }
    if (!template) {
      skipped.push({ id, reason: `template does not decode to ${dim} float32 values` });
      continue;
    }
    if (matcher.has(id)) {
      // Brought in by a change event before the load (the latest values).
      loaded++;
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
 * An `exactTemplates` source for the Matcher: float32 templates from the store by id
 * (the matcher asks for a few rows in the rare searches whose float16 scores are too
 * close to rank). A missing, other-model or undecodable id gives null.
 */
export function exactTemplatesFrom(templates: TemplateStore, modelId: string): ExactTemplateSource {
  return (ids) => ids.map((id) => templates.get(id, modelId)?.template ?? null);
}

/**
 * A Matcher kept in line with the store's templates of one model. Each change made
 * through this store is applied when its transaction commits (only the persons it
 * touched are re-read). Before each search, one `PRAGMA data_version` tells whether
 * another connection wrote to the file; only then is the templates version read,
 * and only when that moved are all ids compared (`sync()`).
 */
export class LiveGallery implements GalleryWriter {
  /** Templates version the matcher reflects; null: unknown, the next sync compares in full. */
  private version: number | null = null;
  private dataVersion: number | null = null;
  private readonly templates: TemplateStore;
  private readonly off: Unsubscribe;

  constructor(
    store: Store,
    readonly matcher: Matcher,
    /** `face_templates.model_id` of the templates this gallery holds (the model set name). */
    readonly modelId: string,
  ) {
    this.templates = store.templates;
    this.off = this.templates.onChange((change) => this.apply(change));
  }

  /** Templates in the live matcher. */
  get size(): number {
    return this.matcher.size;
  }

  /** The templates version the matcher reflects. */
  get loadedVersion(): number | null {
    return this.version;
  }

  /** Loads every template of the model (see loadTemplates), remembering the version it reflects. */
  async load(): Promise<LoadTemplatesResult> {
    this.dataVersion = this.templates.dataVersion();
    this.version = this.templates.version();
    // The rows are read before loadTemplates first awaits: a change committed while the
    // matcher indexes arrives by its event.
    return loadTemplates(this.templates, this.matcher, this.modelId);
  }

  /**
   * Brings the matcher in line with changes another connection made; null when
   * there were none (the usual case: one pragma).
   */
  sync(): GallerySyncResult | null {
    const dataVersion = this.templates.dataVersion();
    if (this.version !== null && dataVersion === this.dataVersion) return null;
    this.dataVersion = dataVersion;
    const version = this.templates.version();
    if (version === this.version) return null;
    const result: GallerySyncResult = { added: 0, removed: 0, skipped: [] };
    const present = new Set<string>();
    for (const [id, personId] of this.templates.ids(this.modelId)) {
      present.add(id);
      if (this.matcher.has(id)) continue;
      const row = this.templates.get(id, this.modelId);
      if (!row?.template || row.dim !== this.matcher.dim) {
        result.skipped.push(id);
        continue;
      }
      this.matcher.add(id, personId, row.template);
      result.added++;
    }
    const gone: string[] = [];
    for (const id of this.matcher.templateIds()) if (!present.has(id)) gone.push(id);
    for (const id of gone) if (this.matcher.remove(id)) result.removed++;
    this.version = version;
    return result;
  }

  /** Syncs first, so a person erased by another process is never matched, then searches. */
  search(embedding: Float32Array, k: number): Promise<SearchHit[]> {
    this.sync();
    return this.matcher.search(embedding, k);
  }

  verify(personId: string, embedding: Float32Array): SearchHit | null {
    this.sync();
    return this.matcher.verify(personId, embedding);
  }

  has(templateId: string): boolean {
    return this.matcher.has(templateId);
  }

  close(): Promise<void> {
    this.off();
    return this.matcher.close();
  }

  /** A committed change of this store: re-reads the persons it touched. */
  private apply(change: TemplatesChanged): void {
    try {
      for (const personId of change.personIds) this.reconcile(personId);
    } catch (err) {
      // Left for a full comparison at the next sync (a closed matcher throws again there).
      this.version = null;
      throw err;
    }
    // Behind (another connection wrote in between): stay behind, the next sync compares all.
    if (this.version === change.from) this.version = change.to;
  }

  /** Drops the person's templates from the matcher and adds what the store holds (a fleet upsert reuses ids). */
  private reconcile(personId: string): void {
    for (const id of [...this.matcher.templatesOf(personId)]) this.matcher.remove(id);
    for (const t of this.templates.listOf(personId, this.modelId)) {
      if (t.template && t.dim === this.matcher.dim) this.matcher.add(t.id, personId, t.template);
    }
  }
}
