/**
 * The site's fresh-data service: gives each terminal the site's stranger-template key
 * (fleet config `face.strangerTemplateKey`), opens each `face.stranger` template it
 * receives and clusters it into an anonymous identity (acknowledged to the terminal only
 * once stored), runs the two standing tasks daily, and deletes anonymous identities past
 * the retention period unless they were promoted, all on an injected clock.
 */
import { openStrangerTemplate, sealedStrangerTemplate, strangerKeyPairFromSecret, type StrangerKeyPair } from '@limen/sdk/protocol';
import type { Fleet, FleetEvent, FleetLogger, Unsubscribe } from '@limen/sdk';
import type { AlertClock } from '../alerts/clock.js';
import { startPeriodicJobs } from '../periodic-jobs.js';
import { getTerminal, placeEvent, type SiteStore } from '../store/index.js';
import { AnonymousIdentities, purgeAnonymousBefore } from './identities.js';
import { runTasks, type Finding } from './review.js';
import { vectorSeal } from './sealing.js';
import { loadSettings } from './settings.js';

const DAY_MS = 86_400_000;

export interface CommunityOptions {
  store: SiteStore;
  secret: Buffer;
  fleet?: Fleet;
  clock: AlertClock;
  logger?: FleetLogger;
  /** How often the tasks and the retention run (default daily). */
  everyMs?: number;
}

export interface Community {
  readonly identities: AnonymousIdentities;
  readonly keys: StrangerKeyPair;
  /** Runs both tasks now; resolves with the findings opened. */
  runTasks(): Promise<Finding[]>;
  /** Deletes what is past the retention period now; resolves with the identity ids deleted. */
  purge(): Promise<string[]>;
  /** Sends the site key to a terminal whose reported config lacks it (on presence too). */
  pushKey(terminal: string): Promise<void>;
  /** Resolves once the sightings and daily runs started so far are done. */
  idle(): Promise<void>;
  stop(): void;
}

export async function startCommunity(o: CommunityOptions): Promise<Community> {
  const keys = strangerKeyPairFromSecret(o.secret);
  const identities = await AnonymousIdentities.open({ store: o.store, seal: vectorSeal(o.secret) });
  const offs: Unsubscribe[] = [];
  // The daily runs: a timer on the injected clock, one job at a time, failures logged.
  const jobs = startPeriodicJobs({
    clock: o.clock,
    everyMs: o.everyMs ?? DAY_MS,
    onTick: () => {
      void purge().catch(() => undefined);
      void tasks().catch(() => undefined);
    },
    logger: o.logger,
    failed: 'site: community task failed',
  });
  const serial = <T>(run: () => Promise<T>): Promise<T> => jobs.serial(run);

  const onStranger = async (e: FleetEvent) => {
    if (e.type !== 'face.stranger' || !e.data || e.data.template === undefined) return;
    const parsed = sealedStrangerTemplate.safeParse(e.data.template);
    if (!parsed.success) {
      o.logger?.warn({ terminal: e.terminal, seq: e.seq }, 'site: face.stranger template is malformed; ignored');
      return;
    }
    let template: Float32Array;
    try {
      template = openStrangerTemplate(keys, parsed.data);
    } catch (err) {
      // Sealed to another key (a terminal configured for another site): nothing to learn from it.
      o.logger?.warn({ err, terminal: e.terminal, seq: e.seq }, 'site: face.stranger template does not open; ignored');
      return;
    }
    const seen = await o.store.db.selectFrom('anon_sightings').select('id').where('terminal_id', '=', e.terminal).where('event_seq', '=', e.seq).executeTakeFirst();
    if (seen) return;
    const terminal = await getTerminal(o.store.db, e.terminal);
    const { zoneId, direction } = placeEvent(e, terminal ? { zone_id: terminal.zone_id, direction: terminal.direction } : undefined);
    // Only the id: the JPEG stays sealed on the terminal (GET /api/community/identities/:id/snapshot).
    const snapshotId = typeof e.data.snapshotId === 'string' && /^[0-9a-f]{1,64}$/.test(e.data.snapshotId) ? e.data.snapshotId : null;
    await identities.add({ template, model: parsed.data.model, at: e.ts, terminalId: e.terminal, seq: e.seq, zoneId, direction, snapshotId });
  };

  const pushKey = async (id: string) => {
    if (!o.fleet) return;
    const t = o.fleet.terminal(id);
    const reported = t.config.get().reported?.config as { face?: { strangerTemplateKey?: string } } | undefined;
    if (reported?.face?.strangerTemplateKey === keys.publicKey) return;
    await t.config.desire({ face: { strangerTemplateKey: keys.publicKey } }, { wait: false });
  };

  if (o.fleet) {
    const fleet = o.fleet;
    offs.push(fleet.onEvent(onStranger));
    offs.push(
      fleet.onPresence((p) => {
        if (p.online) void pushKey(p.terminal).catch((err: unknown) => o.logger?.warn({ err, terminal: p.terminal }, 'site: stranger key push failed'));
      }),
    );
    for (const t of fleet.terminals()) if (t.online) void pushKey(t.id).catch(() => undefined);
  }

  const purge = () =>
    serial(async () => {
      const { retentionDays } = await loadSettings(o.store);
      const gone = await purgeAnonymousBefore(o.store, o.clock.now() - retentionDays * DAY_MS);
      identities.forget(gone);
      return gone;
    });
  const tasks = () => serial(() => runTasks({ store: o.store }, o.clock.now()));

  return {
    identities,
    keys,
    runTasks: tasks,
    purge,
    pushKey,
    async idle() {
      await identities.idle();
      await jobs.idle();
    },
    stop() {
      jobs.stop();
      for (const off of offs) off();
    },
  };
}
