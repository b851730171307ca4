/**
 * Migration 0009: which terminal has confirmed the revocation of which visitor pass
 * (`passes.revoke`). A revoked or used-up pass still valid is sent to every terminal of
 * its path without a row here; a terminal offline at the time gets it when it comes back.
 */
import type { Kysely, Migration } from 'kysely';

export function passRevocationsMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('pass_revocations_sent')
        .addColumn('pass_id', 'text', (c) => c.notNull().references('visitor_passes.id').onDelete('cascade'))
        .addColumn('terminal_id', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('pass_revocations_sent_pk', ['pass_id', 'terminal_id'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('pass_revocations_sent').execute();
    },
  };
}
