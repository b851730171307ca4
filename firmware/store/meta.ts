import type { Database, Statement } from 'better-sqlite3';

/** Keys the firmware keeps in the `meta` table. Other areas add theirs here. */
export const META_KEYS = {
  /** Highest event seq ever assigned; seqs are never reused, even after deletion. */
  eventsLastSeq: 'events.last_seq',
  /** Outbox: the backend has acknowledged every event with seq <= this. */
  outboxAckedSeq: 'outbox.acked_seq',
  /** Hex HMAC-SHA256 key that turns PINs into lookup keys; created at first open. */
  pinHmacKey: 'secrets.pin_hmac_key',
  /**
   * Bumped by every change to face_templates (the template store does it). Not the
   * fleet's gallery version, which is the version a backend's sync last brought the
   * gallery to (`fleet.gallery_version`, see gallery-sessions.ts).
   */
  templatesVersion: 'templates.version',
  /** Signed commands: when replay protection began (ms), and the largest `expiresAt` of forgotten ids. */
  replaySince: 'replay.since',
  replayFloor: 'replay.floor',
  /** Prefix of one key per accepted signed request id (value: its `expiresAt`). */
  replayIdPrefix: 'replay.id.',
} as const;

/** Small string key/value settings stored beside the data they describe. */
export class MetaTable {
  private readonly getStmt: Statement<[string], string | undefined>;
  private readonly setStmt: Statement<[string, string]>;
  private readonly deleteStmt: Statement<[string]>;

  constructor(private readonly db: Database) {
    this.getStmt = db.prepare<[string], string | undefined>('SELECT value FROM meta WHERE key = ?').pluck();
    this.setStmt = db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.deleteStmt = db.prepare<[string]>('DELETE FROM meta WHERE key = ?');
  }

  get(key: string): string | undefined {
    return this.getStmt.get(key);
  }

  set(key: string, value: string): void {
    if (typeof value !== 'string') throw new TypeError(`meta.set(${key}): value must be a string`);
    this.setStmt.run(key, value);
  }

  delete(key: string): boolean {
    return this.deleteStmt.run(key).changes > 0;
  }

  /** Reads an integer value; absent means `fallback`. */
  getInt(key: string, fallback = 0): number {
    const v = this.get(key);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new TypeError(`meta ${key} holds ${JSON.stringify(v)}, not an integer`);
    return n;
  }

  /** Atomically adds `by` to an integer value (absent = 0) and returns the new value. */
  increment(key: string, by = 1): number {
    return this.db.transaction(() => {
      const next = this.getInt(key) + by;
      this.set(key, String(next));
      return next;
    }).immediate();
  }
}
