/** The site store: schema, migrations and the queries of each concern. */
export * from './schema.js';
export { openSiteStore, parseDatabaseUrl, migrateToLatest, DEFAULT_DATABASE, DatabaseUrlError, MigrationError, type SiteStore, type OpenOptions } from './open.js';
export { siteMigrations, SITE_TABLES, type Dialect } from './migrations.js';
export * from './zones.js';
export * from './terminals.js';
export * from './residents.js';
export * from './events.js';
export * from './staff.js';
export * from './audit.js';
export * from './visitors.js';
export * from './occupancy.js';
export * from './access-rules.js';
export * from './alerts-schema.js';
export * from './alert-lists.js';
export * from './alert-rules.js';
export * from './alert-records.js';
export * from './alert-state.js';
export * from './webhooks.js';
