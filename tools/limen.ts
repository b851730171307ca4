#!/usr/bin/env node
// The `limen` command line: run a simulated terminal, and manage a terminal's
// database (persons, cards, PINs, faces, events). Errors print one line and exit 1.
import { existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import { AccessRepository } from '../firmware/access/index.js';
import { escapeUnsafeJson, escapeUnsafeText } from '../sdk/src/protocol/ids.js';
import { ConfigError, defaultConfig, describeConfigError, loadConfigFile, type Config } from '../firmware/config/index.js';
import { createLogger, silentLogger } from '../firmware/log.js';
import { erasePerson } from '../firmware/privacy/secure-erase.js';
import { openConfiguredStore, type Store } from '../firmware/store/index.js';
import { runEnrol } from './cli/enrol.js';
import { addPlate, listPlates, removePlate } from './cli/plates.js';
import { calibrateArgs, runCalibrateLiveness } from './cli/calibrate.js';
import { kioskService } from '../firmware/kiosk/index.js';
import { siteService } from './cli/site-service.js';
import { registerDoctor } from './doctor.js';
import { registerProvision } from './provision.js';
import { DEFAULT_SIM_TERMINALS } from './cli/simulation.js';
import { registerFleet } from './cli/fleet.js';
import { registerSite } from './site/commands.js';
import { registerRun } from './cli/run.js';
import { playedCamera, runSimulator } from './cli/sim.js';
import { runSimulation } from './cli/run-simulation.js';
import { simSigningKeyFile } from './cli/sim-signing-key.js';
import { ListenError } from '../firmware/page-server.js';
import { parseTimeArg } from './cli/duration.js';

const DEFAULT_CONFIG_FILE = 'limen.config.json';

interface GlobalOptions {
  config?: string;
  db?: string;
}

function configFile(opts: GlobalOptions): string | undefined {
  return opts.config ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
}

function resolveConfig(opts: GlobalOptions): Config {
  const file = configFile(opts);
  const config = file ? loadConfigFile(file) : defaultConfig('sim-1');
  return opts.db ? { ...config, store: { ...config.store, path: opts.db } } : config;
}

function withStore<T>(opts: GlobalOptions, fn: (store: Store, repo: AccessRepository, config: Config) => T): T {
  const config = resolveConfig(opts);
  // The same opening as the terminal's: templates sealed when the config says so.
  const { store, created } = openConfiguredStore(config, { logger: silentLogger() });
  // Which file a command works on, so a forgotten --db is noticed.
  console.error(`limen: database ${config.store.path}${created ? ' (created)' : ''}`);
  let result: T;
  try {
    result = fn(store, new AccessRepository(store), config);
  } catch (err) {
    store.close();
    throw err;
  }
  // An async command keeps the store until it has finished.
  if (result instanceof Promise) return result.finally(() => store.close()) as T;
  store.close();
  return result;
}

const program = new Command('limen')
  .description('Limen face-recognition door terminal')
  .option('-c, --config <file>', `terminal config file (default ./${DEFAULT_CONFIG_FILE} if present)`)
  .option('--db <path>', 'terminal database file (overrides the config)')
  .showHelpAfterError();

const globals = (): GlobalOptions => program.opts<GlobalOptions>();

const port = (v: string) => {
  const n = Number.parseInt(v, 10);
  if (!(Number.isInteger(n) && n >= 0 && n <= 65_535)) throw new Error(`not a port number: ${v}`);
  return n;
};

program
  .command('sim')
  .description(
    'run the simulator: an MQTT broker and two sim terminals (a community gate and a building door) with their control panels; ' +
      `with --db, --config or a ./${DEFAULT_CONFIG_FILE}, one terminal from that config`,
  )
  .option('-p, --port <port>', 'control panel port (one terminal: default from the config, 8080; several: the first one, the next count up, default free ports)', port)
  .option('--host <host>', 'host the panels (and the broker) listen on')
  .option('--play <path>', 'recognise faces in an image, a folder of images or a video, played into the camera (several terminals: those with face recognition; needs ffmpeg)')
  .option('--mqtt-port <port>', 'MQTT broker port (default 1883, or a free port when 1883 is taken; one terminal: a broker and the site server (in memory) only with this flag, 0 picks a free port)', port)
  .option('--dir <folder>', 'databases of the simulated terminals (default var/sim; the site server\'s is var/site.db, or site.db in this folder)')
  .option('--site <site>', 'fleet site of the simulated terminals (default demo)')
  .option('--no-face', 'face recognition off on every simulated terminal')
  .action(async (opts: { port?: number; host?: string; play?: string; mqttPort?: number; dir?: string; site?: string; face: boolean }) => {
    const logger = createLogger({ level: process.env.LIMEN_LOG_LEVEL ?? 'warn' });
    const g = globals();
    if (g.db === undefined && configFile(g) === undefined) {
      const host = opts.host !== undefined ? { host: opts.host } : {};
      await runSimulation({
        logger,
        // The site server (seeded with the demo community) and each terminal's kiosk screen (with its control panel beside it).
        services: [
          siteService({ ...host, ...(opts.dir !== undefined && { database: opts.dir === ':memory:' ? ':memory:' : `${opts.dir}/site.db` }) }),
          ...DEFAULT_SIM_TERMINALS.map((t) => kioskService(t.id, { logger, ...host })),
        ],
        ...(opts.port !== undefined && { panelPort: opts.port }),
        ...(opts.host !== undefined && { host: opts.host }),
        ...(opts.play !== undefined && { play: opts.play }),
        ...(opts.mqttPort !== undefined && { mqttPort: opts.mqttPort }),
        ...(opts.dir !== undefined && { dir: opts.dir }),
        // Kept beside the terminals' databases: the site signs visitor passes with it, the terminals trust it.
        signingKey: simSigningKeyFile(opts.dir),
        ...(opts.site !== undefined && { site: opts.site }),
        ...(!opts.face && { face: false as const }),
      });
      return;
    }
    const config = resolveConfig(g);
    const panel = { ...config.panel, ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.host ? { host: opts.host } : {}) };
    const face = opts.play ? { ...config.face, enabled: true, camera: playedCamera(opts.play) } : config.face;
    const file = configFile(g);
    await runSimulator({ config: { ...config, panel, face }, logger, ...(file !== undefined && { configPath: file }), ...(opts.mqttPort !== undefined && { mqttPort: opts.mqttPort }) });
  });

registerRun(program);
registerDoctor(program);
registerProvision(program);
registerFleet(program);
registerSite(program);

program
  .command('calibrate')
  .description("calibrate the terminal to its site's camera and light")
  .command('liveness')
  .description("record genuine approaches at the terminal's camera and set its liveness threshold from their scores (stored in its database)")
  .option('--approaches <n>', 'genuine approaches to record (at least 5)', '10')
  .option('--timeout <s>', 'stop recording after this many seconds', '120')
  .option('--play <path>', "an image, a folder of images or a video played into the camera instead of the board's (needs ffmpeg)")
  .action(async (opts: { approaches: string; timeout: string; play?: string }) => {
    const args = calibrateArgs(opts.approaches, opts.timeout);
    const logger = createLogger({ level: process.env.LIMEN_LOG_LEVEL ?? 'warn' });
    await withStore(globals(), (store, _repo, config) =>
      runCalibrateLiveness(store, config, { ...args, ...(opts.play !== undefined && { play: opts.play }) }, logger, {
        out: (line) => console.log(line),
        warn: (line) => console.error(line),
      }),
    );
  });

program
  .command('enrol')
  .description("enrol a person's face from one or more photos (needs their consent)")
  .requiredOption('--person <id>', 'person id')
  .option('--consent', 'the person has agreed to face recognition')
  .option('--name <name>', 'create the person with this name if they do not exist')
  .option('--group <group...>', 'access group id(s) for a person created here (default residents)')
  .option('--keep-photo <file>', 'write the chosen face to this JPEG file (no photo is kept otherwise)')
  .argument('<photos...>', 'photos of the person (JPEG, PNG, WebP)')
  .action(async (photos: string[], opts: { person: string; consent?: boolean; name?: string; group?: string[]; keepPhoto?: string }) => {
    await withStore(globals(), (store, _repo, config) =>
      runEnrol(
        store,
        config,
        {
          personId: opts.person,
          photos,
          consent: opts.consent === true,
          ...(opts.name !== undefined && { name: opts.name }),
          ...(opts.group && { groups: opts.group }),
          ...(opts.keepPhoto !== undefined && { keepPhoto: opts.keepPhoto }),
        },
        { out: (line) => console.log(line), warn: (line) => console.error(line) },
      ),
    );
  });

const person = program.command('person').description('manage persons');
person
  .command('add')
  .description('add a person')
  .requiredOption('--name <name>', 'display name')
  .option('--id <id>', 'person id (default: generated)')
  .option('--group <group...>', 'access group id(s); created (open at all times) if missing')
  .action((opts: { name: string; id?: string; group?: string[] }) =>
    withStore(globals(), (store, repo) => {
      const groupIds = (opts.group ?? []).map((g) => repo.getGroup(g)?.id ?? repo.addGroup({ id: g, name: g, scheduleId: null }).id);
      if (groupIds.length === 0) groupIds.push(repo.getGroup('residents')?.id ?? repo.addGroup({ id: 'residents', name: 'Residents', scheduleId: null }).id);
      const p = store.transaction(() => repo.addPerson({ name: opts.name, ...(opts.id ? { id: opts.id } : {}), groupIds }));
      console.log(`added person ${p.id} (${p.name}) in ${groupIds.join(', ')}`);
    }),
  );
person
  .command('list')
  .description('list persons and their credentials')
  .option('--json', 'print JSON')
  .action((opts: { json?: boolean }) =>
    withStore(globals(), (_store, repo) => {
      const rows = repo.listPersons().map((p) => ({
        ...p,
        groups: repo.groupsOf(p.id).map((g) => g.id),
        credentials: repo.listCredentials({ personId: p.id }).map((c) => (c.type === 'card' ? `card ${c.valueKey}` : c.type)),
      }));
      // Names stored before the display-name rule may hold controls or bidi overrides: shown escaped, never raw.
      if (opts.json) return console.log(escapeUnsafeJson(JSON.stringify(rows, null, 2)));
      if (rows.length === 0) return console.log('no persons');
      const show = escapeUnsafeText;
      for (const r of rows) console.log(`${show(r.id)}\t${show(r.name)}\t${r.enabled ? 'enabled' : 'disabled'}\t[${r.groups.map(show).join(', ')}]\t${r.credentials.join(', ') || '-'}`);
    }),
  );
person
  .command('remove <id>')
  .description('erase a person and everything about them')
  .action((id: string) =>
    withStore(globals(), (store, repo) => {
      // Their events stay, under a pseudonym and without card numbers (secure-erase).
      if (!erasePerson(store, repo, id).removed) throw new Error(`no person with id "${id}"`);
      console.log(`removed person ${id}`);
    }),
  );

program
  .command('card')
  .description('manage cards')
  .command('add <number>')
  .description('give a person a card')
  .requiredOption('--person <id>', 'person id')
  .option('--label <label>', 'label, e.g. "blue fob"')
  .action((number: string, opts: { person: string; label?: string }) =>
    withStore(globals(), (_store, repo) => {
      const c = repo.addCard(opts.person, number, opts.label ? { label: opts.label } : {});
      console.log(`added card ${c.valueKey} for ${opts.person}`);
    }),
  );

program
  .command('pin')
  .description('manage PINs')
  .command('add <pin>')
  .description('give a person a PIN (stored as a keyed hash)')
  .requiredOption('--person <id>', 'person id')
  .action((pin: string, opts: { person: string }) =>
    withStore(globals(), (_store, repo) => {
      repo.addPin(opts.person, pin);
      console.log(`added PIN for ${opts.person}`);
    }),
  );

const plate = program.command('plate').description("manage licence plates (residents' cars) on this terminal");
plate
  .command('add <person> <plate>')
  .description('give a person a plate (validated, stored normalised: one owner per plate)')
  .action((personId: string, raw: string) => withStore(globals(), (_store, repo) => console.log(addPlate(repo, personId, raw))));
plate
  .command('remove <plate>')
  .description('take a plate away from whoever has it')
  .action((raw: string) => withStore(globals(), (_store, repo) => console.log(removePlate(repo, raw))));
plate
  .command('list')
  .description('list plates: plate, person id, name')
  .option('--person <id>', 'only this person')
  .action((opts: { person?: string }) => withStore(globals(), (_store, repo) => listPlates(repo, opts.person).forEach((line) => console.log(line))));

program
  .command('events')
  .description('query the event log (newest first)')
  .option('--since <time>', 'from: a duration back (10m, 2h, 7d) or an ISO time')
  .option('--until <time>', 'until (exclusive): a duration back or an ISO time')
  .option('--person <id>', 'only this person')
  .option('--card <number>', 'only this card')
  .addOption(new Option('--result <result>', 'only granted or denied').choices(['granted', 'denied']))
  .option('--type <type>', 'only this event type, e.g. alarm.forced-open')
  .option('--limit <n>', 'at most n events', (v) => Number.parseInt(v, 10), 50)
  .option('--json', 'print JSON lines')
  .action((opts: { since?: string; until?: string; person?: string; card?: string; result?: 'granted' | 'denied'; type?: string; limit: number; json?: boolean }) =>
    withStore(globals(), (store, repo) => {
      const now = Date.now();
      const events = store.events.query({
        order: 'desc',
        limit: opts.limit,
        ...(opts.since ? { since: parseTimeArg(opts.since, now) } : {}),
        ...(opts.until ? { until: parseTimeArg(opts.until, now) } : {}),
        ...(opts.person ? { personId: opts.person } : {}),
        ...(opts.card ? { credentialType: 'card', credentialRef: opts.card.replace(/^0+(?=\d)/, '') } : {}),
        ...(opts.result ? { result: opts.result } : {}),
        ...(opts.type ? { type: opts.type } : {}),
      });
      if (opts.json) return events.forEach((e) => console.log(JSON.stringify(e)));
      if (events.length === 0) return console.log('no events');
      for (const e of events) {
        const who = e.personId ? `${repo.getPerson(e.personId)?.name ?? e.personId}` : '';
        const cred = e.credentialType ? `${e.credentialType}${e.credentialRef ? ` ${e.credentialRef}` : ''}` : '';
        console.log([`#${e.seq}`, new Date(e.ts).toISOString(), e.type, e.result ?? '', e.reason ?? '', who, cred].join('\t'));
      }
    }),
  );

try {
  await program.parseAsync(process.argv);
} catch (err) {
  console.error(`limen: ${err instanceof ConfigError ? describeConfigError(err) : (err as Error).message}`);
  // A busy or forbidden port will not free itself on a retry: exit 2, as for a bad config.
  process.exitCode = err instanceof ListenError ? 2 : 1;
}
