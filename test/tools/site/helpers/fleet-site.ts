/** `limen site` (runSite) as the fleet tests start it: beside terminals on a test broker. */
import { join } from 'node:path';
import { runSite, type RunningSite, type SiteOptions } from '../../../../tools/site/cli.js';

/**
 * `limen site` on a SQLite database and key file in `dir`, no console, its fleet site 'hq'
 * on `brokerUrl`; `prepare` seeds the store before the server starts; `extra` adds or
 * overrides options (a signing key, a clock, the console).
 */
export function runFleetSite(dir: string, brokerUrl: string, prepare: SiteOptions['prepare'], extra: SiteOptions = {}): Promise<RunningSite> {
  return runSite(
    { database: join(dir, 'site.db'), secretFile: join(dir, 'site.key'), port: 0, console: false, fleet: brokerUrl, site: 'hq', ...(prepare && { prepare }), ...extra },
    () => {},
  );
}
