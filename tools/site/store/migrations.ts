/**
 * The site schema as ordered migrations, kept in code (no migration folder to ship or
 * scan). Names sort in the order they run; never edit one that has shipped — add the
 * next. The same migrations run on SQLite and PostgreSQL; only id columns differ.
 */
import { type ColumnDefinitionBuilder, type CreateTableBuilder, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { vehiclesMigration } from './migrations-vehicles.js';
import { communityMigration } from './migrations-community.js';
import { inspectionsMigration } from './migrations-inspections.js';
import { alertListPhotosMigration } from './migrations-alert-photos.js';
import { sightingSnapshotsMigration } from './migrations-sighting-snapshots.js';
import { passRevocationsMigration } from './migrations-pass-revocations.js';
import { presencePendingMigration } from './migrations-presence-pending.js';
import { alertSubjectMigration } from './migrations-alert-subject.js';
import { oneOpenVisitMigration } from './migrations-one-open-visit.js';

export type Dialect = 'sqlite' | 'postgres';

type AnyTable = CreateTableBuilder<string, never>;

/** An auto-numbered primary key: `integer primary key autoincrement` / `serial` or `bigserial`. */
function withId(t: AnyTable, dialect: Dialect, big = false): AnyTable {
  return dialect === 'sqlite'
    ? t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    : t.addColumn('id', big ? 'bigserial' : 'serial', (c) => c.primaryKey());
}

const notNull = (c: ColumnDefinitionBuilder) => c.notNull();

function initial(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await withId(db.schema.createTable('zones'), dialect)
        .addColumn('parent_id', 'integer', (c) => c.references('zones.id').onDelete('restrict'))
        .addColumn('kind', 'text', notNull)
        .addColumn('name', 'text', notNull)
        .addColumn('path', 'text', notNull)
        .addColumn('created_at', 'bigint', notNull)
        .execute();
      await db.schema.createIndex('zones_parent').on('zones').column('parent_id').execute();
      await db.schema.createIndex('zones_path').on('zones').column('path').execute();

      await db.schema
        .createTable('terminals')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('zone_id', 'integer', (c) => c.references('zones.id').onDelete('set null'))
        .addColumn('role', 'text', notNull)
        .addColumn('direction', 'text', notNull)
        .addColumn('name', 'text')
        .execute();
      await db.schema.createIndex('terminals_zone').on('terminals').column('zone_id').execute();

      await withId(db.schema.createTable('units'), dialect)
        .addColumn('zone_id', 'integer', (c) => c.notNull().references('zones.id').onDelete('restrict'))
        .addColumn('kind', 'text', notNull)
        .addColumn('label', 'text', notNull)
        .addUniqueConstraint('units_zone_label', ['zone_id', 'label'])
        .execute();

      await db.schema
        .createTable('persons')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', notNull)
        .addColumn('phone', 'text')
        .addColumn('id_doc_masked', 'text')
        .addColumn('id_doc_hash', 'text')
        .addColumn('created_at', 'bigint', notNull)
        .addColumn('updated_at', 'bigint', notNull)
        .execute();
      await db.schema.createIndex('persons_id_doc_hash').on('persons').column('id_doc_hash').execute();
      await db.schema.createIndex('persons_name').on('persons').column('name').execute();

      await withId(db.schema.createTable('residencies'), dialect)
        .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id').onDelete('cascade'))
        .addColumn('unit_id', 'integer', (c) => c.notNull().references('units.id').onDelete('cascade'))
        .addColumn('role', 'text', notNull)
        .addColumn('move_in', 'bigint', notNull)
        .addColumn('move_out', 'bigint')
        .execute();
      await db.schema.createIndex('residencies_unit').on('residencies').column('unit_id').execute();
      await db.schema.createIndex('residencies_person').on('residencies').column('person_id').execute();

      await withId(db.schema.createTable('credentials'), dialect)
        .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id').onDelete('cascade'))
        .addColumn('type', 'text', notNull)
        .addColumn('ref', 'text', notNull)
        .addColumn('created_at', 'bigint', notNull)
        .addUniqueConstraint('credentials_type_ref', ['type', 'ref'])
        .execute();
      await db.schema.createIndex('credentials_person').on('credentials').column('person_id').execute();

      // No foreign keys on events: they are history, kept when a terminal, zone or
      // person goes, and written at the ingest rate.
      await withId(db.schema.createTable('events'), dialect, true)
        .addColumn('terminal_id', 'text', notNull)
        .addColumn('seq', 'bigint', notNull)
        .addColumn('ts', 'bigint', notNull)
        .addColumn('type', 'text', notNull)
        .addColumn('result', 'text')
        .addColumn('reason', 'text')
        .addColumn('person_id', 'text')
        .addColumn('credential_type', 'text')
        .addColumn('credential_ref', 'text')
        .addColumn('zone_id', 'integer')
        .addColumn('direction', 'text')
        .addColumn('data', 'text')
        .addColumn('received_at', 'bigint', notNull)
        .addUniqueConstraint('events_terminal_seq', ['terminal_id', 'seq'])
        .execute();
      // One index per way the records are searched, each ending in ts so that a
      // filter plus a time range plus newest-first paging is one index range.
      for (const [name, cols] of [
        ['events_ts', ['ts']],
        ['events_person_ts', ['person_id', 'ts']],
        ['events_zone_ts', ['zone_id', 'ts']],
        ['events_terminal_ts', ['terminal_id', 'ts']],
        ['events_credential_ts', ['credential_ref', 'ts']],
        ['events_result_ts', ['result', 'ts']],
      ] as const) {
        await db.schema.createIndex(name).on('events').columns([...cols]).execute();
      }

      await withId(db.schema.createTable('staff'), dialect)
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', notNull)
        .addColumn('password_hash', 'text', notNull)
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', notNull)
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('staff_id', 'integer', (c) => c.notNull().references('staff.id').onDelete('cascade'))
        .addColumn('created_at', 'bigint', notNull)
        .addColumn('expires_at', 'bigint', notNull)
        .addColumn('ip', 'text')
        .execute();
      await db.schema.createIndex('sessions_expires').on('sessions').column('expires_at').execute();

      await withId(db.schema.createTable('audit'), dialect, true)
        .addColumn('at', 'bigint', notNull)
        .addColumn('staff_id', 'integer')
        .addColumn('username', 'text')
        .addColumn('action', 'text', notNull)
        .addColumn('subject', 'text')
        .addColumn('ip', 'text')
        .addColumn('detail', 'text')
        .execute();
      await db.schema.createIndex('audit_at').on('audit').column('at').execute();
      await db.schema.createIndex('audit_staff_at').on('audit').columns(['staff_id', 'at']).execute();
    },
    async down(db: Kysely<any>) {
      for (const t of ['audit', 'sessions', 'staff', 'events', 'credentials', 'residencies', 'persons', 'units', 'terminals', 'zones']) {
        await db.schema.dropTable(t).execute();
      }
    },
  };
}

/** Every migration, by name, for one dialect. */
export function siteMigrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_initial': initial(dialect),
    '0002_visitors_occupancy_access': visitorsOccupancyAccess(dialect),
    '0003_alerts': alerts(dialect),
    '0007_vehicles': vehiclesMigration(dialect),
    '0006_inspections': inspectionsMigration(dialect),
    '0004_alert_state': alertState(),
    '0005_anonymous_identities': communityMigration(dialect),
    '0008_alert_list_photos': alertListPhotosMigration(),
    '0010_sighting_snapshots': sightingSnapshotsMigration(),
    '0009_pass_revocations': passRevocationsMigration(),
    '0011_presence_pending': presencePendingMigration(),
    '0012_alert_subject': alertSubjectMigration(),
    '0013_one_open_visit': oneOpenVisitMigration(),
  };
}

export class InCodeMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return siteMigrations(this.dialect);
  }
}

/** Exposed for tests: the tables the schema creates, in creation order. */
export const SITE_TABLES = [
  'zones',
  'terminals',
  'units',
  'persons',
  'residencies',
  'credentials',
  'events',
  'staff',
  'sessions',
  'audit',
  'visitors',
  'visitor_passes',
  'visits',
  'positions',
  'terminal_persons',
  'access_schedules',
  'access_holidays',
  'access_groups',
  'alert_lists',
  'alert_list_members',
  'alert_periods',
  'alert_rules',
  'alert_rule_versions',
  'alerts',
  'alert_notes',
  'webhook_endpoints',
  'webhook_deliveries',
  'vehicles',
  'alert_list_plates',
  'inspectors',
  'unit_inspections',
  'inspection_visits',
  'inspection_occupants',
  'alert_offline_terminals',
  'anon_identities',
  'anon_templates',
  'anon_sightings',
  'community_findings',
  'community_settings',
  'register_changes',
  'alert_list_photos',
  'pass_revocations_sent',
] as const;

/**
 * Visitors with their passes and visits; where each known person is now (positions,
 * kept from in/out events); which persons the site has put on which terminal; the
 * schedules, holidays and groups pushed to terminals.
 */
function visitorsOccupancyAccess(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await withId(db.schema.createTable('visitors'), dialect)
        .addColumn('person_id', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', notNull)
        .addColumn('phone', 'text')
        .addColumn('id_doc_masked', 'text')
        .addColumn('id_doc_hash', 'text')
        .addColumn('host_unit_id', 'integer', (c) => c.notNull().references('units.id').onDelete('restrict'))
        .addColumn('purpose', 'text')
        .addColumn('expected_from', 'bigint', notNull)
        .addColumn('expected_until', 'bigint', notNull)
        .addColumn('plate', 'text')
        .addColumn('photo', 'text')
        .addColumn('photo_mime', 'text')
        .addColumn('consent_at', 'bigint')
        .addColumn('consent_method', 'text')
        .addColumn('consent_reference', 'text')
        .addColumn('photo_delete_after', 'bigint')
        .addColumn('created_at', 'bigint', notNull)
        .execute();
      await db.schema.createIndex('visitors_expected').on('visitors').columns(['expected_from']).execute();
      await db.schema.createIndex('visitors_id_doc_hash').on('visitors').column('id_doc_hash').execute();
      await db.schema.createIndex('visitors_photo_delete').on('visitors').column('photo_delete_after').execute();

      await db.schema
        .createTable('visitor_passes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('visitor_id', 'integer', (c) => c.notNull().references('visitors.id').onDelete('cascade'))
        .addColumn('terminals', 'text', notNull)
        .addColumn('kid', 'text', notNull)
        .addColumn('valid_from', 'bigint', notNull)
        .addColumn('valid_until', 'bigint', notNull)
        .addColumn('max_uses', 'integer', notNull)
        .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('revoked_at', 'bigint')
        .addColumn('issued_at', 'bigint', notNull)
        .execute();
      await db.schema.createIndex('visitor_passes_visitor').on('visitor_passes').column('visitor_id').execute();

      await withId(db.schema.createTable('visits'), dialect)
        .addColumn('visitor_id', 'integer', (c) => c.notNull().references('visitors.id').onDelete('cascade'))
        .addColumn('pass_id', 'text')
        .addColumn('entered_at', 'bigint', notNull)
        .addColumn('entered_terminal', 'text', notNull)
        .addColumn('zone_id', 'integer')
        .addColumn('exited_at', 'bigint')
        .addColumn('closed', 'text')
        .execute();
      await db.schema.createIndex('visits_open').on('visits').columns(['exited_at', 'visitor_id']).execute();
      await db.schema.createIndex('visits_entered').on('visits').column('entered_at').execute();

      await db.schema
        .createTable('positions')
        .addColumn('subject', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', notNull)
        .addColumn('zone_id', 'integer')
        .addColumn('ts', 'bigint', notNull)
        .execute();
      await db.schema.createIndex('positions_zone').on('positions').column('zone_id').execute();

      await db.schema
        .createTable('terminal_persons')
        .addColumn('terminal_id', 'text', notNull)
        .addColumn('person_id', 'text', notNull)
        .addColumn('digest', 'text', notNull)
        .addColumn('synced_at', 'bigint', notNull)
        .addPrimaryKeyConstraint('terminal_persons_pk', ['terminal_id', 'person_id'])
        .execute();
      await db.schema.createIndex('terminal_persons_person').on('terminal_persons').column('person_id').execute();

      await db.schema
        .createTable('access_schedules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', notNull)
        .addColumn('weekly', 'text', notNull)
        .addColumn('holiday_intervals', 'text', notNull)
        .execute();
      await db.schema.createTable('access_holidays').addColumn('date', 'text', (c) => c.primaryKey()).addColumn('name', 'text', notNull).execute();
      await db.schema
        .createTable('access_groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', notNull)
        .addColumn('schedule_id', 'text', (c) => c.references('access_schedules.id').onDelete('restrict'))
        .execute();
    },
    async down(db: Kysely<any>) {
      for (const t of ['access_groups', 'access_holidays', 'access_schedules', 'terminal_persons', 'positions', 'visits', 'visitor_passes', 'visitors']) {
        await db.schema.dropTable(t).execute();
      }
    },
  };
}

/**
 * Alerts: lists of persons (watch-list, missing persons) scoped to zones; named time
 * periods; rules, each change a new version row; the alerts raised with their notes;
 * webhook endpoints and their deliveries (pending, delivered, dead).
 */
function alerts(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('alert_lists')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', notNull)
        .addColumn('purpose', 'text', notNull)
        .addColumn('zones', 'text', notNull)
        .execute();
      await db.schema
        .createTable('alert_list_members')
        .addColumn('list_id', 'text', (c) => c.notNull().references('alert_lists.id').onDelete('cascade'))
        .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id').onDelete('cascade'))
        .addColumn('added_at', 'bigint', notNull)
        .addPrimaryKeyConstraint('alert_list_members_pk', ['list_id', 'person_id'])
        .execute();
      await db.schema.createIndex('alert_list_members_person').on('alert_list_members').column('person_id').execute();
      await db.schema
        .createTable('alert_periods')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', notNull)
        .addColumn('time_zone', 'text', notNull)
        .addColumn('weekly', 'text', notNull)
        .addColumn('dates', 'text', notNull)
        .execute();
      await db.schema
        .createTable('alert_rules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('version', 'integer', notNull)
        .addColumn('definition', 'text', notNull)
        .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'bigint', notNull)
        .execute();
      await db.schema
        .createTable('alert_rule_versions')
        .addColumn('rule_id', 'text', notNull)
        .addColumn('version', 'integer', notNull)
        .addColumn('definition', 'text')
        .addColumn('at', 'bigint', notNull)
        .addColumn('username', 'text')
        .addPrimaryKeyConstraint('alert_rule_versions_pk', ['rule_id', 'version'])
        .execute();
      await withId(db.schema.createTable('alerts'), dialect, true)
        .addColumn('rule_id', 'text', notNull)
        .addColumn('rule_version', 'integer', notNull)
        .addColumn('trigger', 'text', notNull)
        .addColumn('severity', 'text', notNull)
        .addColumn('zone_id', 'integer')
        .addColumn('terminal_id', 'text')
        .addColumn('person_id', 'text')
        .addColumn('event_terminal', 'text')
        .addColumn('event_seq', 'bigint')
        .addColumn('score', 'real')
        .addColumn('liveness', 'real')
        .addColumn('snapshot', 'text')
        .addColumn('dedupe_key', 'text')
        .addColumn('sightings', 'integer', notNull)
        .addColumn('first_seen_at', 'bigint', notNull)
        .addColumn('last_seen_at', 'bigint', notNull)
        .addColumn('state', 'text', notNull)
        .addColumn('created_at', 'bigint', notNull)
        .addColumn('acknowledged_at', 'bigint')
        .addColumn('acknowledged_by', 'text')
        .addColumn('closed_at', 'bigint')
        .addColumn('closed_by', 'text')
        .execute();
      await db.schema.createIndex('alerts_created').on('alerts').column('created_at').execute();
      await db.schema.createIndex('alerts_dedupe').on('alerts').columns(['rule_id', 'dedupe_key', 'last_seen_at']).execute();
      await withId(db.schema.createTable('alert_notes'), dialect)
        .addColumn('alert_id', 'bigint', (c) => c.notNull().references('alerts.id').onDelete('cascade'))
        .addColumn('at', 'bigint', notNull)
        .addColumn('username', 'text')
        .addColumn('text', 'text', notNull)
        .execute();
      await db.schema.createIndex('alert_notes_alert').on('alert_notes').column('alert_id').execute();
      await db.schema
        .createTable('webhook_endpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('url', 'text', notNull)
        .addColumn('secret', 'text', notNull)
        .addColumn('created_at', 'bigint', notNull)
        .addColumn('last_success_at', 'bigint')
        .addColumn('last_failure_at', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await withId(db.schema.createTable('webhook_deliveries'), dialect, true)
        .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
        .addColumn('alert_id', 'bigint', notNull)
        .addColumn('body', 'text', notNull)
        .addColumn('state', 'text', notNull)
        .addColumn('attempts', 'integer', notNull)
        .addColumn('next_at', 'bigint', notNull)
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', notNull)
        .addColumn('delivered_at', 'bigint')
        .execute();
      await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['state', 'next_at']).execute();
    },
    async down(db: Kysely<any>) {
      for (const t of ['webhook_deliveries', 'webhook_endpoints', 'alert_notes', 'alerts', 'alert_rule_versions', 'alert_rules', 'alert_periods', 'alert_list_members', 'alert_lists']) {
        await db.schema.dropTable(t).execute();
      }
    },
  };
}

/** The alert engine's timers that outlive a restart: terminals offline since when. */
function alertState(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('alert_offline_terminals')
        .addColumn('terminal_id', 'text', (c) => c.primaryKey())
        .addColumn('since', 'bigint', notNull)
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('alert_offline_terminals').execute();
    },
  };
}
