/**
 * Migration 0010: the face snapshot a stranger event names (`snapshotId`), per sighting of
 * an anonymous identity. Only the id: the JPEG stays sealed on the terminal, under its
 * retention, and the site fetches it on demand.
 */
import type { Kysely, Migration } from 'kysely';

export function sightingSnapshotsMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('anon_sightings').addColumn('snapshot_id', 'text').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('anon_sightings').dropColumn('snapshot_id').execute();
    },
  };
}
