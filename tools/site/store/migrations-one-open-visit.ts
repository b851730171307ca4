/**
 * Migration 0013: at most one open visit per visitor, kept by a partial unique index, so
 * two site instances applying the same visitor's entry at once cannot both open one
 * (`enterVisit` inserts with ON CONFLICT DO NOTHING). Open duplicates stored before are
 * deleted first, keeping each visitor's oldest: the newer one was the same entry twice.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export function oneOpenVisitMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await sql`delete from visits where exited_at is null and exists (select 1 from visits older where older.visitor_id = visits.visitor_id and older.exited_at is null and older.id < visits.id)`.execute(db);
      await db.schema.createIndex('visits_one_open').on('visits').column('visitor_id').unique().where(sql.ref('exited_at'), 'is', null).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('visits_one_open').execute();
    },
  };
}
