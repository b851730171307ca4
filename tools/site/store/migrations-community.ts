/**
 * Migration 0005: anonymous identities (sealed centroids and templates, sightings), the
 * review queue of the standing tasks, their settings and the register's changes.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './migrations.js';

export const COMMUNITY_TABLES = ['anon_identities', 'anon_templates', 'anon_sightings', 'community_findings', 'community_settings', 'register_changes'] as const;

export function communityMigration(dialect: Dialect): Migration {
  const withId = (t: any) => (dialect === 'sqlite' ? t.addColumn('id', 'integer', (c: any) => c.primaryKey().autoIncrement()) : t.addColumn('id', 'serial', (c: any) => c.primaryKey()));
  const notNull = (c: any) => c.notNull();
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('anon_identities')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('centroid', 'text', notNull)
        .addColumn('count', 'integer', notNull)
        .addColumn('model', 'text', notNull)
        .addColumn('first_seen', 'bigint', notNull)
        .addColumn('last_seen', 'bigint', notNull)
        .addColumn('created_at', 'bigint', notNull)
        .addColumn('promoted_person_id', 'text')
        .addColumn('promoted_at', 'bigint')
        .execute();
      await db.schema.createIndex('anon_identities_last_seen').on('anon_identities').column('last_seen').execute();
      await withId(db.schema.createTable('anon_templates'))
        .addColumn('identity_id', 'text', (c: any) => c.notNull().references('anon_identities.id').onDelete('cascade'))
        .addColumn('model', 'text', notNull)
        .addColumn('template', 'text', notNull)
        .addColumn('similarity', 'real', notNull)
        .addColumn('captured_at', 'bigint', notNull)
        .execute();
      await db.schema.createIndex('anon_templates_identity').on('anon_templates').column('identity_id').execute();
      await withId(db.schema.createTable('anon_sightings'))
        .addColumn('identity_id', 'text', (c: any) => c.notNull().references('anon_identities.id').onDelete('cascade'))
        .addColumn('at', 'bigint', notNull)
        .addColumn('terminal_id', 'text', notNull)
        .addColumn('event_seq', 'bigint', notNull)
        .addColumn('zone_id', 'integer')
        .addColumn('direction', 'text')
        .addColumn('similarity', 'real', notNull)
        .execute();
      await db.schema.createIndex('anon_sightings_identity_at').on('anon_sightings').columns(['identity_id', 'at']).execute();
      await db.schema.createIndex('anon_sightings_at').on('anon_sightings').column('at').execute();
      await withId(db.schema.createTable('community_findings'))
        .addColumn('kind', 'text', notNull)
        .addColumn('subject', 'text', notNull)
        .addColumn('state', 'text', notNull)
        .addColumn('detail', 'text', notNull)
        .addColumn('likely_zone_id', 'integer')
        .addColumn('created_at', 'bigint', notNull)
        .addColumn('decided_at', 'bigint')
        .addColumn('decided_by', 'text')
        .addColumn('note', 'text')
        .addColumn('suppress_until', 'bigint')
        .execute();
      await db.schema.createIndex('community_findings_subject').on('community_findings').columns(['kind', 'subject']).execute();
      await db.schema.createTable('community_settings').addColumn('key', 'text', (c) => c.primaryKey()).addColumn('value', 'text', notNull).execute();
      await withId(db.schema.createTable('register_changes'))
        .addColumn('at', 'bigint', notNull)
        .addColumn('kind', 'text', notNull)
        .addColumn('source', 'text', notNull)
        .addColumn('person_id', 'text', notNull)
        .addColumn('unit_id', 'integer')
        .addColumn('finding_id', 'integer')
        .addColumn('username', 'text')
        .addColumn('detail', 'text')
        .execute();
      await db.schema.createIndex('register_changes_at').on('register_changes').column('at').execute();
    },
    async down(db: Kysely<any>) {
      for (const t of [...COMMUNITY_TABLES].reverse()) await db.schema.dropTable(t).execute();
    },
  };
}
