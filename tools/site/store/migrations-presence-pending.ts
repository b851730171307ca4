/**
 * Migration 0011: `events.presence_pending`, set (1) in the same INSERT as a granted
 * passage and cleared in the transaction that applies it to positions, visits and pass
 * uses, so a crash between the ingest's commit and presence loses no passage. Rows
 * stored before keep NULL (already applied). A partial index keeps the still-marked
 * rows, in the order presence catches up on them, without indexing the history.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export function presencePendingMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('events').addColumn('presence_pending', 'integer').execute();
      await db.schema.createIndex('events_presence_pending').on('events').columns(['ts', 'id']).where(sql.ref('presence_pending'), 'is not', null).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('events_presence_pending').execute();
      await db.schema.alterTable('events').dropColumn('presence_pending').execute();
    },
  };
}
