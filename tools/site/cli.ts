// What `limen site` runs (the commands are registered in commands.ts, which loads this
// module only when one of them runs): the site server (store + HTTP API + live events;
// with --fleet, the event ingest from the site's terminals), and `limen site admin
// create`, staff accounts from the command line (the first admin cannot be made any other way).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Fleet, signerFromPem } from '@limen/sdk';
import { pino } from 'pino';
import { pushAccessRules } from './access-rules-push.js';
import { systemAlertClock, type AlertClock } from './alerts/clock.js';
import { startAlertEngine, type AlertEngine } from './alerts/engine.js';
import { startWebhookDelivery, type WebhookDelivery } from './alerts/webhooks.js';
import { startMqttAlerts, type MqttAlerts } from './alerts/mqtt.js';
import { startAlertRetention, type AlertRetention } from './alerts/retention.js';
import { galleries as siteGalleries, type Galleries } from './galleries.js';
import { startIngest, type Ingest } from './ingest.js';
import { startCommunity, type Community } from './community/service.js';
import { startPresence, type Presence } from './presence.js';
import { passRevocations, type PassRevocations } from './pass-revocations.js';
import { loadOrCreateSecret, DEFAULT_SECRET_FILE } from './privacy.js';
import { buildSiteServer } from './server/index.js';
import { createStaff, DEFAULT_DATABASE, openSiteStore, parseDatabaseUrl, STAFF_ROLES, type AccessRules, type SiteStore, type StaffRole } from './store/index.js';

type Out = (line: string) => void;

/** The secret lives beside a SQLite database; for PostgreSQL, in var/. */
export function defaultSecretFile(database: string): string {
  const t = parseDatabaseUrl(database);
  return t.dialect === 'sqlite' && t.location !== ':memory:' ? join(dirname(t.location), 'site.key') : DEFAULT_SECRET_FILE;
}

export interface SiteOptions {
  database?: string;
  port?: number;
  host?: string;
  fleet?: string;
  site?: string;
  secretFile?: string;
  secureCookies?: boolean;
  /** Serve the console at `/` (default true). */
  console?: boolean;
  /** The fleet signing key (PEM): signs commands and visitor passes. */
  signingKey?: string;
  /**
   * Several site instances on one database split the event stream: each connects over
   * MQTT 5 and consumes its share through the shared subscription of this group.
   */
  shareGroup?: string;
  /** Days an alert is kept after its last sighting (default 90). */
  alertRetentionDays?: number;
  /**
   * The site's clock: the API's and galleries' "now", the community tasks, the fleet's
   * message stamps and request deadlines (`Fleet.connect({ now })`), and the alerts unless
   * `alertClock` is given. Tests with terminals on a fake clock pass that clock.
   */
  clock?: AlertClock;
  /** The alert engine's, webhook retries' and retention's clock (default `clock`; tests: a fake one for multi-day rules). */
  alertClock?: AlertClock;
  /** Runs on the store before the server starts (the demo community's seed). */
  prepare?: (store: SiteStore, secret: Buffer) => Promise<void>;
}

export interface RunningSite {
  url: string;
  store: SiteStore;
  fleet: Fleet | undefined;
  /** The alert engine (with a fleet). */
  alerts: AlertEngine | undefined;
  /** Webhook delivery of alerts (with a fleet; tests wait on its `idle`). */
  webhooks: WebhookDelivery | undefined;
  /** The fresh-data service (tests wait on its `idle`). */
  community: Community;
  stop(): Promise<void>;
}

export async function runSite(o: SiteOptions, out: Out): Promise<RunningSite> {
  const database = o.database ?? DEFAULT_DATABASE;
  const logger = pino({ level: process.env.LIMEN_LOG_LEVEL ?? 'warn', base: { ns: 'limen:site' } });
  const secret = loadOrCreateSecret(o.secretFile ?? defaultSecretFile(database));
  const store = await openSiteStore(database);
  const clock = o.clock ?? systemAlertClock;
  const now = () => clock.now();
  const alertClock = o.alertClock ?? clock;
  let fleet: Fleet | undefined;
  let ingest: Ingest | undefined;
  let presence: Presence | undefined;
  let revocations: PassRevocations | undefined;
  let galleries: Galleries | undefined;
  let alerts: AlertEngine | undefined;
  let webhooks: WebhookDelivery | undefined;
  let mqttAlerts: MqttAlerts | undefined;
  let retention: AlertRetention | undefined;
  let community: Community | undefined;
  try {
    const signer = o.signingKey ? signerFromPem(readFileSync(o.signingKey)) : undefined;
    await o.prepare?.(store, secret);
    retention = startAlertRetention({ store, clock: alertClock, logger, ...(o.alertRetentionDays !== undefined && { retentionDays: o.alertRetentionDays }) });
    void retention.purge().catch(() => undefined);
    if (o.fleet) {
      fleet = await Fleet.connect({
        url: o.fleet,
        site: o.site ?? 'demo',
        logger,
        connectTimeoutMs: 10_000,
        now,
        ...(signer && { signer }),
        ...(o.shareGroup !== undefined && { shareGroup: o.shareGroup, mqtt: { protocolVersion: 5 as const } }),
      });
      ingest = startIngest({ store, fleet, logger });
      const r = (revocations = passRevocations({ store, fleet, logger }));
      // A pass used up across its path is stopped at its terminals (not awaited: presence goes on meanwhile).
      const stopPass = (id: string) => void r.send(id).catch((err: unknown) => logger.warn({ err, pass: id }, 'site: pass revocation failed'));
      presence = startPresence({ store, source: ingest, logger, onUsedUp: (p) => stopPass(p.id) });
      alerts = startAlertEngine({ store, source: ingest, presence: fleet, clock: alertClock, logger });
      webhooks = startWebhookDelivery({ store, source: alerts, clock: alertClock, logger });
      mqttAlerts = startMqttAlerts({ source: alerts, fleet, logger });
      galleries = siteGalleries({ store, fleet, logger, now });
      const g = galleries;
      // A terminal that comes (back) online gets what it missed.
      fleet.onPresence((p) => {
        if (p.online) void g.reconcileTerminal(p.terminal).catch((err: unknown) => logger.warn({ err, terminal: p.terminal }, 'site: gallery catch-up failed'));
        if (p.online) void r.reconcileTerminal(p.terminal).catch((err: unknown) => logger.warn({ err, terminal: p.terminal }, 'site: pass revocation catch-up failed'));
      });
    }
    community = await startCommunity({ store, secret, clock, logger, ...(fleet && { fleet }) });
    void community.purge().catch(() => undefined);
    // Gallery updates go out after the HTTP answer: a slow or offline terminal must not hold up the desk.
    const later = (what: string, run: () => Promise<unknown>) => async () => void run().catch((err: unknown) => logger.warn({ err }, `site: ${what} failed`));
    const g = galleries;
    // Each push is a new rules version: later than any before it, even within one millisecond.
    let lastPush = 0;
    const app = await buildSiteServer({
      store,
      secret,
      logger,
      now,
      ...(fleet && { fleet }),
      ...(fleet && { push: (terminals: string[], rules: AccessRules) => pushAccessRules(fleet!, terminals, rules, (lastPush = Math.max(now(), lastPush + 1))) }),
      ...(ingest && { ingest }),
      ...(alerts && { alerts }),
      ...(webhooks && { webhooks }),
      ...(community && { community }),
      ...(signer && { signer }),
      ...(revocations && { onPassRevoked: (id: string) => later('pass revocation', () => revocations!.send(id))() }),
      ...(g && {
        onPersonChanged: (id: string) => later('gallery update', () => g.reconcilePersons([id]))(),
        onTerminalPlaced: (id: string) => later('gallery update', () => g.reconcileTerminal(id))(),
      }),
      ...(o.secureCookies && { secureCookies: true }),
      console: o.console ?? true,
    });
    const address = await app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 8090 });
    const url = `${address}/`;
    out(`Limen site: ${url}`);
    out(`Database: ${store.describe}`);
    out(fleet ? `Fleet: ${o.fleet} (site ${o.site ?? 'demo'}), ingesting events` : 'Fleet: not connected (--fleet URL to ingest events)');
    out(`API: ${address}/api/openapi.json`);
    let stopping: Promise<void> | undefined;
    return {
      url,
      store,
      fleet,
      alerts,
      webhooks,
      community,
      stop: () =>
        (stopping ??= (async () => {
          await app.close();
          presence?.stop();
          webhooks?.stop();
          mqttAlerts?.stop();
          retention?.stop();
          community?.stop();
          alerts?.stop();
          await webhooks?.idle();
          await mqttAlerts?.idle();
          await retention?.idle();
          await community?.idle();
          ingest?.stop();
          await fleet?.close();
          await store.close();
        })()),
    };
  } catch (err) {
    community?.stop();
    retention?.stop();
    await retention?.idle();
    await fleet?.close();
    await store.close();
    throw err;
  }
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new Error('give the password on stdin (echo ... |) or with --password-file');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A password as read from a file or stdin: one trailing newline is not part of it. */
export function passwordFrom(text: string): string {
  return text.replace(/\r?\n$/, '');
}

/** `limen site admin create`: a staff account, the password from `passwordFile` or stdin. */
export async function createAdmin(opts: { username: string; role?: string; passwordFile?: string; database?: string }, out: Out): Promise<void> {
  const role = (opts.role ?? 'admin') as StaffRole;
  if (!STAFF_ROLES.includes(role)) throw new Error(`--role: one of ${STAFF_ROLES.join(', ')}`);
  const password = passwordFrom(opts.passwordFile ? readFileSync(opts.passwordFile, 'utf8') : await readStdin());
  const store = await openSiteStore(opts.database ?? DEFAULT_DATABASE);
  try {
    const staff = await createStaff(store.db, { username: opts.username, role, password });
    out(`created ${staff.role} ${staff.username} in ${store.describe}`);
  } finally {
    await store.close();
  }
}
