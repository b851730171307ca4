import { ID_RULE, isValidId } from '@limen/sdk/protocol';
import { randomBytes } from 'node:crypto';
import DatabaseConstructor, { type Database } from 'better-sqlite3';
import { systemClock, type Clock } from '../../hal/clock.js';
import { child, silentLogger, type Logger } from '../log.js';
import { plainTemplateCodec, type TemplateCodec } from './template-codec.js';
import { TemplateStore } from './templates.js';
import { PersonLists } from './person-lists.js';
import { StoreError } from './errors.js';
import { EventLog } from './event-log.js';
import { META_KEYS, MetaTable } from './meta.js';
import { latestSchemaVersion, migrate } from './migrations.js';

export interface StoreOptions {
  /** Database file, or ':memory:' (tests). The folder must exist. */
  path: string;
  /** This terminal's id, stamped on every event. */
  terminalId: string;
  /** Event cap; the oldest events go first. Default 1,000,000. */
  maxEvents?: number;
  logger?: Logger;
  /** Stamps events and rows; default the system clock. */
  clock?: Clock;
  /**
   * How face template BLOBs are written and read (`store.templates` owns the
   * table): `sealedTemplateCodec(dataKey)` on a terminal, plain float32 by default
   * (development, tests).
   */
  templateCodec?: TemplateCodec;
}

const PAGE_SIZE = 16_384;
/** How long a writer waits for another process (the CLI, say) holding the write lock. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * The terminal's SQLite database: WAL, `synchronous=FULL` (every committed
 * write is on disk before the call returns), foreign keys on, `secure_delete`
 * on (deleted rows are overwritten with zeros, so an erased person's template
 * leaves no copy in the file once the WAL is checkpointed), schema migrated on
 * open. Several processes may open the same file (the running terminal and the
 * `limen` CLI); writes serialise on SQLite's lock.
 *
 * All calls are synchronous. After `close()` every call throws StoreError 'CLOSED'
 * (direct `db` use throws better-sqlite3's own TypeError).
 */
export class Store {
  readonly db: Database;
  readonly events: EventLog;
  readonly meta: MetaTable;
  readonly terminalId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly path: string;
  /** The face templates: the only reader and writer of face_templates. */
  readonly templates: TemplateStore;
  /** The face lists (watch, missing) persons are on. */
  readonly lists: PersonLists;
  private readonly pinKey: Buffer;

  private constructor(db: Database, options: Required<StoreOptions>) {
    this.db = db;
    this.path = options.path;
    this.terminalId = options.terminalId;
    this.clock = options.clock;
    this.logger = options.logger;
    this.meta = new MetaTable(db);
    this.pinKey = loadOrCreatePinKey(db, this.meta);
    this.events = new EventLog(db, {
      terminalId: options.terminalId,
      maxEvents: options.maxEvents,
      clock: options.clock,
      logger: options.logger,
      meta: this.meta,
      assertOpen: () => this.assertOpen(),
    });
    this.templates = new TemplateStore(db, this.meta, {
      codec: options.templateCodec,
      clock: options.clock,
      logger: options.logger,
      transaction: (fn) => this.transaction(fn),
    });
    this.lists = new PersonLists(db);
  }

  /**
   * Opens (creating if needed) and migrates the database. Throws StoreError
   * 'OPEN_FAILED' when the file cannot be used as a database and
   * 'SCHEMA_TOO_NEW' when newer firmware wrote it.
   */
  static open(options: StoreOptions): Store {
    if (typeof options?.path !== 'string' || options.path === '') throw new TypeError('Store.open: path is required');
    if (!isValidId(options.terminalId)) {
      throw new TypeError(`Store.open: terminalId must be ${ID_RULE}, got ${JSON.stringify(options.terminalId)}`);
    }
    const maxEvents = options.maxEvents ?? 1_000_000;
    if (!Number.isSafeInteger(maxEvents) || maxEvents < 1) {
      throw new TypeError(`Store.open: maxEvents must be a positive integer, got ${maxEvents}`);
    }
    const templateCodec = options.templateCodec ?? plainTemplateCodec;
    if (typeof templateCodec?.encode !== 'function' || typeof templateCodec.decode !== 'function') {
      throw new TypeError('Store.open: templateCodec must have encode and decode functions');
    }
    const logger = child(options.logger ?? silentLogger(), 'store');
    let db: Database | undefined;
    try {
      db = new DatabaseConstructor(options.path, { timeout: BUSY_TIMEOUT_MS });
      // page_size only takes effect before the first table exists, and must precede WAL.
      db.pragma(`page_size = ${PAGE_SIZE}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('secure_delete = ON');
      const from = migrate(db);
      const store = new Store(db, {
        path: options.path,
        terminalId: options.terminalId,
        maxEvents,
        logger,
        clock: options.clock ?? systemClock,
        templateCodec,
      });
      logger.info({ path: options.path, schema: latestSchemaVersion, migratedFrom: from }, 'store opened');
      return store;
    } catch (err) {
      db?.close();
      if (err instanceof StoreError) throw err;
      throw new StoreError('OPEN_FAILED', `cannot open store ${options.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  /** The per-terminal key that turns a PIN into its lookup key (HMAC-SHA256). */
  get pinHmacKey(): Buffer {
    this.assertOpen();
    return this.pinKey;
  }

  /** The schema version of the open file. */
  get schemaVersion(): number {
    this.assertOpen();
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /**
   * Runs `fn` in one write transaction (immediate lock); nests as a savepoint.
   * After the outermost one commits, the template store tells its listeners what
   * changed.
   */
  transaction<T>(fn: () => T): T {
    this.assertOpen();
    if (this.db.inTransaction) return this.db.transaction(fn).immediate();
    let result: T;
    try {
      result = this.db.transaction(fn).immediate();
    } catch (err) {
      this.templates.rolledBack();
      throw err;
    }
    this.templates.committed();
    return result;
  }

  /** Closes the database. Closing twice does nothing. */
  close(): void {
    if (!this.db.open) return;
    this.events.clearListeners();
    this.templates.clearListeners();
    this.db.close();
    this.logger.info({ path: this.path }, 'store closed');
  }

  assertOpen(): void {
    if (!this.db.open) throw new StoreError('CLOSED', `store ${this.path} is closed`);
  }
}

function loadOrCreatePinKey(db: Database, meta: MetaTable): Buffer {
  return db
    .transaction(() => {
      let hex = meta.get(META_KEYS.pinHmacKey);
      if (hex === undefined) {
        hex = randomBytes(32).toString('hex');
        meta.set(META_KEYS.pinHmacKey, hex);
      }
      return Buffer.from(hex, 'hex');
    })
    .immediate();
}
