// The site server as a simulator service (what `npm start` runs beside the terminals):
// on var/site.db, seeded with the demo community on first start, its residents' cards
// pushed to the sim terminals, the admin's login printed; with the simulation's signing
// key, it issues visitor passes the sim terminals accept.
import { join } from 'node:path';
import type { SeedResult } from '../site/seed.js';

export interface SiteServiceOptions {
  /** SQLite file, or ':memory:' (tests). Default var/site.db. */
  database?: string;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Seed the demo community into an empty store (default true). */
  seed?: boolean;
  /** The demo admin's password (default: a random one, kept beside the database). */
  adminPassword?: string;
}

/** A starter for `startSimulation({ services })`, named "Site". */
export function siteService(o: SiteServiceOptions = {}) {
  return async (sim: { site: string; brokerUrl: string; terminals: ReadonlyArray<{ id: string }>; signingKey?: { file: string } }) => {
    // Loaded here, not with `limen`: the site server is heavy (Fastify, Kysely, argon2).
    const { runSite } = await import('../site/cli.js');
    const { adminPasswordFile, DEMO_PLACEMENTS, pushToTerminals, readAdminPassword, saveAdminPassword, seedDemoCommunity } = await import('../site/seed.js');
    const database = o.database ?? join('var', 'site.db');
    const memory = database === ':memory:';
    let seed: SeedResult = { seeded: false, persons: [] };
    const running = await runSite(
      {
        database,
        port: o.port ?? 0,
        ...(o.host !== undefined && { host: o.host }),
        fleet: sim.brokerUrl,
        site: sim.site,
        // The simulation's key: the site signs visitor passes (and commands) the sim terminals trust.
        ...(sim.signingKey && { signingKey: sim.signingKey.file }),
        prepare: async (store, secret) => {
          if (o.seed !== false) seed = await seedDemoCommunity(store, secret, { ...(o.adminPassword !== undefined && { password: o.adminPassword }) });
        },
      },
      () => {},
    );
    // The simulator's terminals that sit in the demo community get its residents' cards.
    const ids = sim.terminals.map((t) => t.id).filter((id) => DEMO_PLACEMENTS.some((p) => p.id === id));
    if (seed.seeded && running.fleet) await pushToTerminals(running.fleet, ids, seed.persons);
    const file = memory ? null : adminPasswordFile(database);
    if (seed.admin && file) saveAdminPassword(file, seed.admin);
    const admin = seed.admin ?? (file ? readAdminPassword(file) : null);
    return {
      name: 'Site',
      url: running.url,
      notes: admin
        ? [`Site login: ${admin.username} / ${admin.password}${file ? ` (kept in ${file})` : ''}`]
        : ['Site login: the staff accounts in the database (make one with: npx limen site admin create --username NAME)'],
      close: () => running.stop(),
    };
  };
}
