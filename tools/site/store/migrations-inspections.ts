/**
 * Migration 0006: rented-room inspections. Each unit's card and inspection settings
 * (landlord, responsible inspector, period, card serial), the inspectors' printed
 * contact, the visits they record and the new occupants each visit brought.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './migrations.js';

export function inspectionsMigration(dialect: Dialect): Migration {
  const id = dialect === 'sqlite' ? (['integer', (c: any) => c.primaryKey().autoIncrement()] as const) : (['serial', (c: any) => c.primaryKey()] as const);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('inspectors')
        .addColumn('staff_id', 'integer', (c) => c.primaryKey().references('staff.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('phone', 'text')
        .execute();
      await db.schema
        .createTable('unit_inspections')
        .addColumn('unit_id', 'integer', (c) => c.primaryKey().references('units.id').onDelete('cascade'))
        .addColumn('address', 'text')
        .addColumn('landlord_name', 'text')
        .addColumn('landlord_phone', 'text')
        .addColumn('inspector_id', 'integer', (c) => c.references('staff.id').onDelete('set null'))
        .addColumn('period_days', 'integer')
        .addColumn('card_serial', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('since', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('unit_inspections_inspector').on('unit_inspections').column('inspector_id').execute();
      // Visits are history: kept (with the inspector's username) when the staff account goes.
      await db.schema
        .createTable('inspection_visits')
        .addColumn('id', id[0], id[1])
        .addColumn('unit_id', 'integer', (c) => c.notNull().references('units.id').onDelete('cascade'))
        .addColumn('inspector_id', 'integer', (c) => c.notNull())
        .addColumn('inspector_username', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('confirmed', 'text', (c) => c.notNull())
        .addColumn('departed', 'text', (c) => c.notNull())
        .addColumn('added', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .execute();
      await db.schema.createIndex('inspection_visits_unit_at').on('inspection_visits').columns(['unit_id', 'at']).execute();
      await db.schema.createIndex('inspection_visits_at').on('inspection_visits').column('at').execute();
      await db.schema
        .createTable('inspection_occupants')
        .addColumn('id', id[0], id[1])
        .addColumn('visit_id', 'integer', (c) => c.notNull().references('inspection_visits.id').onDelete('cascade'))
        .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id').onDelete('cascade'))
        .addColumn('photo', 'text')
        .addColumn('photo_mime', 'text')
        .addColumn('consent_at', 'bigint')
        .addColumn('consent_by', 'text')
        .execute();
      await db.schema.createIndex('inspection_occupants_visit').on('inspection_occupants').column('visit_id').execute();
      await db.schema.createIndex('inspection_occupants_person').on('inspection_occupants').column('person_id').execute();
    },
    async down(db: Kysely<any>) {
      for (const t of ['inspection_occupants', 'inspection_visits', 'unit_inspections', 'inspectors']) await db.schema.dropTable(t).execute();
    },
  };
}
