/**
 * Migration 0012: `alerts.subject`, what an alert is about when that is neither a person,
 * a terminal nor a plate: an overdue unit and its inspector (`inspection-overdue`), kept
 * as JSON text. Alerts stored before keep NULL.
 */
import type { Kysely, Migration } from 'kysely';

export function alertSubjectMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('alerts').addColumn('subject', 'text').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('alerts').dropColumn('subject').execute();
    },
  };
}
