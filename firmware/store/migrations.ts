import type { Database } from 'better-sqlite3';
import { StoreError } from './errors.js';

/**
 * One schema step. `up` runs inside a transaction together with the
 * `PRAGMA user_version` bump, so a crash leaves the database at the previous
 * version, never half-migrated.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

/**
 * Schema v1 holds every table the terminal needs.
 *
 * Times are INTEGER milliseconds since the Unix epoch; validity windows are
 * half-open `[valid_from, valid_until)`, NULL meaning unbounded. JSON columns
 * hold text.
 *
 * Erasing a person cascades to credentials, group memberships, face templates
 * and consents. Events deliberately keep `person_id` (no foreign key): the
 * audit trail of who went through the door stays intact, while the name, the
 * credentials and the biometric data are gone. An erased person's id is a random
 * token that no longer resolves to anybody on this terminal.
 *
 * `groups.schedule_id` NULL means the group may enter at any time. Deleting a
 * schedule that a group still uses is refused (RESTRICT) rather than silently
 * turning that group into an always-open one.
 */
const v1: Migration = {
  version: 1,
  name: 'initial schema',
  up(db) {
    db.exec(`
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE persons (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        valid_from  INTEGER,
        valid_until INTEGER,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        data        TEXT
      );

      CREATE TABLE schedules (
        id                TEXT PRIMARY KEY,
        name              TEXT NOT NULL,
        weekly            TEXT NOT NULL,
        holiday_intervals TEXT NOT NULL DEFAULT '[]'
      );

      CREATE TABLE groups (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        schedule_id TEXT REFERENCES schedules(id) ON DELETE RESTRICT
      );
      CREATE INDEX groups_schedule ON groups(schedule_id);

      CREATE TABLE person_groups (
        person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        group_id  TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
        PRIMARY KEY (person_id, group_id)
      ) WITHOUT ROWID;
      CREATE INDEX person_groups_group ON person_groups(group_id);

      CREATE TABLE holidays (
        date TEXT PRIMARY KEY CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
        name TEXT NOT NULL DEFAULT ''
      ) WITHOUT ROWID;

      CREATE TABLE credentials (
        id          TEXT PRIMARY KEY,
        person_id   TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        type        TEXT NOT NULL CHECK (type IN ('card', 'pin', 'face', 'qr', 'plate')),
        value_key   TEXT NOT NULL,
        label       TEXT,
        enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
        valid_from  INTEGER,
        valid_until INTEGER,
        created_at  INTEGER NOT NULL,
        UNIQUE (type, value_key)
      );
      CREATE INDEX credentials_person ON credentials(person_id);

      CREATE TABLE face_templates (
        id         TEXT PRIMARY KEY,
        person_id  TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        model_id   TEXT NOT NULL,
        dim        INTEGER NOT NULL,
        template   BLOB NOT NULL,
        quality    REAL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX face_templates_person ON face_templates(person_id);
      CREATE INDEX face_templates_model ON face_templates(model_id);

      CREATE TABLE consents (
        person_id  TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        kind       TEXT NOT NULL,
        granted_at INTEGER NOT NULL,
        source     TEXT NOT NULL,
        PRIMARY KEY (person_id, kind)
      ) WITHOUT ROWID;

      CREATE TABLE events (
        seq             INTEGER PRIMARY KEY,
        ts              INTEGER NOT NULL,
        terminal_id     TEXT NOT NULL,
        type            TEXT NOT NULL,
        result          TEXT CHECK (result IN ('granted', 'denied')),
        reason          TEXT,
        person_id       TEXT,
        credential_type TEXT,
        credential_ref  TEXT,
        data            TEXT
      );
      CREATE INDEX events_ts ON events(ts);
      CREATE INDEX events_person ON events(person_id, ts) WHERE person_id IS NOT NULL;
      CREATE INDEX events_credential ON events(credential_type, credential_ref, ts);
      CREATE INDEX events_result ON events(result, ts);
      CREATE INDEX events_type ON events(type, ts);
    `);
  },
};

/**
 * v2: a consent keeps the record it was given with (JSON: who gave it, how, and
 * where the proof is), so a face sent by the fleet carries the backend's own
 * consent record instead of a bare source. NULL for consents given before.
 */
const v2: Migration = {
  version: 2,
  name: 'consent records',
  up(db) {
    db.exec('ALTER TABLE consents ADD COLUMN record TEXT');
  },
};

/**
 * v3: face snapshots of stranger and spoof events, for alerts: a small JPEG crop
 * of the face, sealed under the terminal's data key (`image`), linked to the
 * event it shows (`event_seq`) and to the person a spoof claimed (`person_id`),
 * so erasing that person deletes it. Bounded in count and bytes; purged after
 * `retention.snapshotDays`.
 */
const v3: Migration = {
  version: 3,
  name: 'face snapshots',
  up(db) {
    db.exec(`
      CREATE TABLE face_snapshots (
        id        TEXT PRIMARY KEY,
        ts        INTEGER NOT NULL,
        event_seq INTEGER,
        person_id TEXT,
        bytes     INTEGER NOT NULL,
        image     BLOB NOT NULL
      );
      CREATE INDEX face_snapshots_ts ON face_snapshots(ts);
      CREATE INDEX face_snapshots_event ON face_snapshots(event_seq);
      CREATE INDEX face_snapshots_person ON face_snapshots(person_id) WHERE person_id IS NOT NULL;
    `);
  },
};

/**
 * v4: visitor pass uses, counted per pass on this terminal (`valid_until` lets
 * rows of expired passes be purged). Firmware before v4 created the table when
 * it first checked a pass, hence IF NOT EXISTS.
 */
const v4: Migration = {
  version: 4,
  name: 'visitor pass uses',
  up(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS visitor_pass_uses (
      pass_id     TEXT PRIMARY KEY,
      uses        INTEGER NOT NULL,
      valid_until INTEGER NOT NULL,
      last_used   INTEGER NOT NULL
    )`);
  },
};

/**
 * v5: the face templates version is named apart from the fleet's gallery version
 * (`fleet.gallery_version`): meta `gallery.version` becomes `templates.version`.
 */
const v5: Migration = {
  version: 5,
  name: 'templates version key',
  up(db) {
    db.prepare("UPDATE meta SET key = 'templates.version' WHERE key = 'gallery.version'").run();
  },
};

/**
 * v6: face lists (watch, missing) a person is on, as the fleet sent them. A match
 * of a listed person raises an alert; a list never grants (firmware/face/list-alerts).
 */
const v6: Migration = {
  version: 6,
  name: 'person lists',
  up(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS person_lists (
      person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
      list_id   TEXT NOT NULL,
      purpose   TEXT NOT NULL CHECK (purpose IN ('watch', 'missing')),
      PRIMARY KEY (person_id, list_id)
    ) WITHOUT ROWID`);
  },
};

/**
 * v7: anti-passback, terminal-local: per zone and subject (a person id, else the
 * credential: `pass:<id>`, `plate:<plate>`) the direction of the last granted passage
 * through this terminal. Plate snapshots of plate reads (sealed like face snapshots),
 * linked to the decision's event.
 */
const v7: Migration = {
  version: 7,
  name: 'anti-passback and plate snapshots',
  up(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS anti_passback (
        zone      TEXT NOT NULL,
        subject   TEXT NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        at        INTEGER NOT NULL,
        PRIMARY KEY (zone, subject)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS plate_snapshots (
        id        TEXT PRIMARY KEY,
        ts        INTEGER NOT NULL,
        event_seq INTEGER,
        plate     TEXT,
        bytes     INTEGER NOT NULL,
        image     BLOB NOT NULL
      );
      CREATE INDEX IF NOT EXISTS plate_snapshots_ts ON plate_snapshots(ts);
      CREATE INDEX IF NOT EXISTS plate_snapshots_event ON plate_snapshots(event_seq);
    `);
  },
};

/**
 * v8: visitor passes the fleet revoked (`passes.revoke`), refused until their own
 * `valid_until`, then purged (firmware/access/pass-revocations.ts).
 */
const v8: Migration = {
  version: 8,
  name: 'revoked visitor passes',
  up(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS revoked_passes (
      pass_id     TEXT PRIMARY KEY,
      valid_until INTEGER NOT NULL,
      revoked_at  INTEGER NOT NULL
    ) WITHOUT ROWID`);
  },
};

/** Every schema step, in order. Append new steps; never edit a released one. */
export const migrations: readonly Migration[] = [v1, v2, v3, v4, v5, v6, v7, v8];

export const latestSchemaVersion = migrations.length;

/**
 * Brings `db` up to the latest schema. Returns the version found before
 * migrating (0 for a new file).
 */
export function migrate(db: Database, steps: readonly Migration[] = migrations): number {
  steps.forEach((m, i) => {
    if (m.version !== i + 1) throw new TypeError(`migration #${i} has version ${m.version}, expected ${i + 1}`);
  });
  const read = (): number => {
    const v = db.pragma('user_version', { simple: true }) as number;
    if (v > steps.length) {
      throw new StoreError(
        'SCHEMA_TOO_NEW',
        `database schema v${v} is newer than this firmware supports (v${steps.length}); update the firmware or open a different file`,
      );
    }
    return v;
  };
  const found = read();
  for (const m of steps.slice(found)) {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    db.transaction(() => {
      if (read() >= m.version) return;
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return found;
}
