/**
 * Migration 0007: vehicles. Registered vehicles (a resident's or a unit's), plates on
 * watch lists (and on the alerts they raise), and the plate of each passage on the entry records (`events.plate`,
 * `events.plate_key`), so a plate's passages are searched like any entry record.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './migrations.js';

export function vehiclesMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      let vehicles = db.schema.createTable('vehicles');
      vehicles = dialect === 'sqlite' ? vehicles.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()) : vehicles.addColumn('id', 'serial', (c) => c.primaryKey());
      await vehicles
        .addColumn('plate', 'text', (c) => c.notNull().unique())
        .addColumn('plate_key', 'text', (c) => c.notNull())
        .addColumn('person_id', 'text', (c) => c.references('persons.id').onDelete('cascade'))
        .addColumn('unit_id', 'integer', (c) => c.references('units.id').onDelete('cascade'))
        .addColumn('colour', 'text')
        .addColumn('note', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('vehicles_by_plate_key').on('vehicles').column('plate_key').execute();
      await db.schema.createIndex('vehicles_person').on('vehicles').column('person_id').execute();
      await db.schema.createIndex('vehicles_unit').on('vehicles').column('unit_id').execute();

      await db.schema
        .createTable('alert_list_plates')
        .addColumn('list_id', 'text', (c) => c.notNull().references('alert_lists.id').onDelete('cascade'))
        .addColumn('plate', 'text', (c) => c.notNull())
        .addColumn('plate_key', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('added_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('alert_list_plates_pk', ['list_id', 'plate'])
        .execute();
      await db.schema.createIndex('alert_list_plates_by_key').on('alert_list_plates').column('plate_key').execute();

      await db.schema.alterTable('alerts').addColumn('plate', 'text').execute();
      await db.schema.alterTable('events').addColumn('plate', 'text').execute();
      await db.schema.alterTable('events').addColumn('plate_key', 'text').execute();
      await db.schema.createIndex('events_by_plate_key_ts').on('events').columns(['plate_key', 'ts']).execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('events_by_plate_key_ts').execute();
      await db.schema.alterTable('events').dropColumn('plate_key').execute();
      await db.schema.alterTable('events').dropColumn('plate').execute();
      await db.schema.alterTable('alerts').dropColumn('plate').execute();
      await db.schema.dropTable('alert_list_plates').execute();
      await db.schema.dropTable('vehicles').execute();
    },
  };
}
