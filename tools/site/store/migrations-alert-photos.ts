/**
 * Migration 0008: a reference photo per member of a watch or missing-person list, so a
 * guard can compare the alert's snapshot with the person the list is about. It is kept
 * with the membership (a composite foreign key): taking the person off the list, deleting
 * the list or erasing the person deletes it.
 */
import type { Kysely, Migration } from 'kysely';

export function alertListPhotosMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('alert_list_photos')
        .addColumn('list_id', 'text', (c) => c.notNull())
        .addColumn('person_id', 'text', (c) => c.notNull())
        // JPEG, base64 (as visitors' photos), at most LIST_PHOTO_MAX_BYTES decoded.
        .addColumn('jpeg', 'text', (c) => c.notNull())
        .addColumn('set_at', 'bigint', (c) => c.notNull())
        .addColumn('set_by', 'text')
        .addPrimaryKeyConstraint('alert_list_photos_pk', ['list_id', 'person_id'])
        .addForeignKeyConstraint('alert_list_photos_member', ['list_id', 'person_id'], 'alert_list_members', ['list_id', 'person_id'], (fk) => fk.onDelete('cascade'))
        .execute();
      await db.schema.createIndex('alert_list_photos_person').on('alert_list_photos').column('person_id').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('alert_list_photos').execute();
    },
  };
}
