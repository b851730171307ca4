// The `limen site` commands. Registering them loads nothing of the site server: the
// implementation (Fastify, Kysely, argon2, the database drivers) is imported only when
// one of them runs, so every other `limen` command starts without it.
import type { Command } from 'commander';
import { DEFAULT_DATABASE } from './store/defaults.js';
import { STAFF_ROLES } from './store/schema.js';

type Out = (line: string) => void;

const port = (v: string) => {
  const n = Number.parseInt(v, 10);
  if (!(/^\d+$/.test(v) && n <= 65_535)) throw new Error(`not a port number: ${v}`);
  return n;
};

export function registerSite(program: Command, out: Out = (l) => console.log(l)): void {
  const site = program
    .command('site')
    .description("run the site server: the community's back office (HTTP API, staff, records; with --fleet, ingests the terminals' events)")
    .option('--database <url>', `SQLite file (or sqlite:PATH) or postgres://... (default ${DEFAULT_DATABASE})`)
    .option('-p, --port <port>', 'HTTP port (default 8090; 0 picks a free one)', port)
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--fleet <url>', 'MQTT broker of the site terminals (e.g. mqtt://127.0.0.1:1883)')
    .option('--site <site>', 'fleet site name (default demo)')
    .option('--share-group <name>', 'several site instances on one PostgreSQL: each consumes its share of the events (MQTT 5 shared subscription of this group)')
    .option('--alert-retention-days <days>', 'days an alert (and its snapshot reference) is kept after its last sighting (default 90)', (v: string) => {
      const n = Number(v);
      if (!(n > 0)) throw new Error(`not a number of days > 0: ${v}`);
      return n;
    })
    .option('--secret-file <file>', 'site secret for keyed hashes and CSRF tokens (default site.key beside a SQLite database, else var/site.key; made when missing)')
    .option('--secure-cookies', 'mark cookies Secure (serve behind HTTPS)')
    .option('--signing-key <file>', 'fleet signing key (PEM, from limen provision): signs commands and visitor passes')
    .action(async (opts: import('./cli.js').SiteOptions) => {
      const { runSite } = await import('./cli.js');
      const running = await runSite(opts, out);
      await new Promise<void>((resolve) => {
        const stop = () => void running.stop().then(resolve, resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  site
    .command('admin')
    .description('staff accounts')
    .command('create')
    .description('create a staff account (default role admin); the password comes from stdin or --password-file')
    .requiredOption('--username <name>', 'login name')
    .option('--role <role>', `one of ${STAFF_ROLES.join(', ')} (default admin)`)
    .option('--password-file <file>', 'read the password from this file')
    .option('--database <url>', `SQLite file or postgres://... (default ${DEFAULT_DATABASE})`)
    .action(async (opts: { username: string; role?: string; passwordFile?: string; database?: string }) => {
      const { createAdmin } = await import('./cli.js');
      await createAdmin({ ...opts, ...(opts.database === undefined && site.opts<{ database?: string }>().database !== undefined && { database: site.opts<{ database: string }>().database }) }, out);
    });
}
