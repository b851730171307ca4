/**
 * The one owner of the `face_templates` table: every template is written, read and
 * erased here, encoded with the store's codec (sealed on a terminal), and every
 * change bumps the templates version (META_KEYS.templatesVersion) and, once the
 * write transaction has committed, tells this connection's listeners which persons
 * changed. Another connection (the `limen` CLI enrolling into a running terminal's
 * file) is seen through `PRAGMA data_version` and the version: see LiveGallery.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../../hal/clock.js';
import type { Unsubscribe } from '../../hal/events.js';
import type { Logger } from '../log.js';
import { isSealed } from '../security/sealed.js';
import { META_KEYS, type MetaTable } from './meta.js';
import { decodeTemplate, sealTemplate, type TemplateCodec } from './template-codec.js';

/** A template to store for a person. */
export interface NewTemplate {
  /** Row id; the sealed blob is bound to it. */
  id: string;
  /** `face_templates.model_id`: the embedding model set that made it. */
  modelId: string;
  template: Float32Array;
}

/** A stored template, decoded; `template` is null when its blob does not decode (wrong key, length, altered). */
export interface StoredTemplate {
  id: string;
  personId: string;
  dim: number;
  template: Float32Array | null;
}

/**
 * What one committed write transaction changed, told after the commit. `from` is
 * the templates version before its first change and `to` after its last, so a
 * listener that was at `from` knows it is at `to` once it applied `personIds`.
 */
export interface TemplatesChanged {
  personIds: string[];
  from: number;
  to: number;
}

type IdRow = [id: string, personId: string];
type BlobRow = [id: string, personId: string, dim: number, template: unknown];

export interface TemplateStoreOptions {
  codec: TemplateCodec;
  clock: Clock;
  logger: Logger;
  /** Runs `fn` in the store's write transaction (see Store.transaction). */
  transaction: <T>(fn: () => T) => T;
}

export class TemplateStore {
  /** How BLOBs are encoded: `sealedTemplateCodec(dataKey)` on a terminal. */
  readonly codec: TemplateCodec;
  private readonly handlers = new Set<(change: TemplatesChanged) => void>();
  private pending: TemplatesChanged | null = null;
  private readonly sql: {
    idsOf: Statement<[string], string>;
    idsOfModel: Statement<[string, string], string>;
    countOf: Statement<[string], number>;
    insert: Statement<[string, string, string, number, Buffer, number]>;
    deleteOf: Statement<[string]>;
    deleteOfModel: Statement<[string, string]>;
    ids: Statement<[string], IdRow>;
    rows: Statement<[string], BlobRow>;
    rowsOf: Statement<[string, string], BlobRow>;
    byId: Statement<[string, string], BlobRow>;
  };

  constructor(
    private readonly db: Database,
    private readonly meta: MetaTable,
    private readonly o: TemplateStoreOptions,
  ) {
    this.codec = o.codec;
    const cols = 'id, person_id, dim, template';
    this.sql = {
      idsOf: db.prepare<[string], string>('SELECT id FROM face_templates WHERE person_id = ?').pluck(),
      idsOfModel: db.prepare<[string, string], string>('SELECT id FROM face_templates WHERE person_id = ? AND model_id = ?').pluck(),
      countOf: db.prepare<[string], number>('SELECT count(*) FROM face_templates WHERE person_id = ?').pluck(),
      insert: db.prepare('INSERT INTO face_templates (id, person_id, model_id, dim, template, quality, created_at) VALUES (?, ?, ?, ?, ?, NULL, ?)'),
      deleteOf: db.prepare('DELETE FROM face_templates WHERE person_id = ?'),
      deleteOfModel: db.prepare('DELETE FROM face_templates WHERE person_id = ? AND model_id = ?'),
      ids: db.prepare<[string], IdRow>('SELECT id, person_id FROM face_templates WHERE model_id = ?').raw(true),
      rows: db.prepare<[string], BlobRow>(`SELECT ${cols} FROM face_templates WHERE model_id = ?`).raw(true),
      rowsOf: db.prepare<[string, string], BlobRow>(`SELECT ${cols} FROM face_templates WHERE person_id = ? AND model_id = ?`).raw(true),
      byId: db.prepare<[string, string], BlobRow>(`SELECT ${cols} FROM face_templates WHERE id = ? AND model_id = ?`).raw(true),
    };
  }

  /** Bumped by every change to the table, by any connection. */
  version(): number {
    return this.meta.getInt(META_KEYS.templatesVersion);
  }

  /**
   * SQLite's `data_version`: it moves when another connection commits anything to
   * the file (never for this connection's own writes). One cheap pragma, so it can
   * be asked before every search.
   */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /**
   * Called after each committed write transaction that changed templates on this
   * connection. A throwing handler is logged; the others still run and the write
   * stands.
   */
  onChange(handler: (change: TemplatesChanged) => void): Unsubscribe {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  count(personId: string): number {
    return this.sql.countOf.get(personId) ?? 0;
  }

  /**
   * Replaces the person's templates with `templates`: those of the models in
   * `replaceModels` (every model when null) go first. Returns the ids deleted.
   * The person must exist (foreign key).
   */
  replace(personId: string, templates: readonly NewTemplate[], replaceModels: readonly string[] | null = null): string[] {
    return this.o.transaction(() => {
      const replaced = replaceModels === null ? this.sql.idsOf.all(personId) : replaceModels.flatMap((m) => this.sql.idsOfModel.all(personId, m));
      if (replaceModels === null) this.sql.deleteOf.run(personId);
      else for (const m of replaceModels) this.sql.deleteOfModel.run(personId, m);
      const now = this.o.clock.now();
      for (const t of templates) this.sql.insert.run(t.id, personId, t.modelId, t.template.length, this.codec.encode(t.id, t.template), now);
      if (replaced.length > 0 || templates.length > 0) this.changed(personId);
      return replaced;
    });
  }

  /** Adds templates to the person's (see replace). */
  add(personId: string, templates: readonly NewTemplate[]): void {
    this.replace(personId, templates, []);
  }

  /** Deletes every template of the person (erasure, consent withdrawn); returns how many. */
  removePerson(personId: string): number {
    return this.o.transaction(() => {
      const n = this.sql.deleteOf.run(personId).changes;
      if (n > 0) this.changed(personId);
      return n;
    });
  }

  /** Ids and persons of one model's templates, without decoding anything. */
  ids(modelId: string): IterableIterator<IdRow> {
    return this.sql.ids.iterate(modelId);
  }

  /** Every template of one model, decoded one row at a time. */
  *list(modelId: string): Generator<StoredTemplate> {
    for (const row of this.sql.rows.iterate(modelId)) yield this.decodeRow(row);
  }

  /** The person's templates of one model, decoded. */
  listOf(personId: string, modelId: string): StoredTemplate[] {
    return this.sql.rowsOf.all(personId, modelId).map((r) => this.decodeRow(r));
  }

  /** One template of a model, decoded; undefined when there is no such row. */
  get(id: string, modelId: string): StoredTemplate | undefined {
    const row = this.sql.byId.get(id, modelId);
    return row && this.decodeRow(row);
  }

  /**
   * Seals every template still stored in plain (a terminal turning encryption on),
   * in one transaction; returns how many. The caller purges the WAL.
   */
  sealPlain(key: Uint8Array): number {
    // Sealed blobs start with the seal magic: only the others are read.
    const rows = this.db
      .prepare<[], { id: string; dim: number; template: Buffer }>("SELECT id, dim, template FROM face_templates WHERE substr(template, 1, 4) <> CAST('LMS1' AS BLOB)")
      .all();
    const update = this.db.prepare<[Buffer, string]>('UPDATE face_templates SET template = ? WHERE id = ?');
    let sealed = 0;
    this.o.transaction(() => {
      for (const r of rows) {
        if (isSealed(r.template)) continue;
        const t = decodeTemplate(r.template, r.dim);
        if (!t) continue;
        update.run(sealTemplate(key, r.id, t), r.id);
        sealed++;
      }
    });
    return sealed;
  }

  /** Store.transaction calls this after its outermost transaction committed. */
  committed(): void {
    const change = this.pending;
    this.pending = null;
    if (!change) return;
    for (const h of [...this.handlers]) {
      try {
        h(change);
      } catch (err) {
        this.o.logger.error({ err }, 'a face templates listener failed');
      }
    }
  }

  /** Store.transaction calls this when its outermost transaction rolled back. */
  rolledBack(): void {
    this.pending = null;
  }

  clearListeners(): void {
    this.handlers.clear();
  }

  private changed(personId: string): void {
    const to = this.meta.increment(META_KEYS.templatesVersion);
    if (this.pending) {
      if (!this.pending.personIds.includes(personId)) this.pending.personIds.push(personId);
      this.pending.to = to;
    } else this.pending = { personIds: [personId], from: to - 1, to };
  }

  private decodeRow([id, personId, dim, blob]: BlobRow): StoredTemplate {
    return { id, personId, dim, template: blob instanceof Uint8Array ? this.codec.decode(id, blob, dim) : null };
  }
}
