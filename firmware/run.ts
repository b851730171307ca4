// `limen run`: the firmware as a terminal runs it, for the shipped terminal's entry
// (firmware/main.ts) and the development CLI's `limen run` (tools/cli/run.ts) alike. Opens the terminal on the board its
// config names (real drivers on rpi4 / rpi5 / jetson-orin-nano, sim twins on `sim`),
// serves the kiosk page on the config's panel host/port for the screen's browser,
// starts the fleet agent when the config has `fleet`, and logs JSON lines (pino) to
// stdout. SIGTERM / SIGINT close it: the fleet says goodbye, the door controller
// de-energises the relay, the store closes, exit 0. In production it runs through
// board/limen-launch under systemd (board/systemd/limen.service, docs/deploy.md).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BoardError } from '../board/index.js';
import { ConfigError, describeConfigError, loadConfigFile, type Config } from './config/index.js';
import { KioskServer } from './kiosk/index.js';
import { child, createLogger, type Logger } from './log.js';
import { ListenError } from './page-server.js';
import { Terminal } from './terminal.js';

export const DEFAULT_CONFIG_FILE = 'limen.config.json';

/** Exit codes of `limen run` (board/systemd/limen.service relies on them). */
export const RUN_EXIT = {
  /** Stopped by SIGTERM / SIGINT after a clean shutdown. */
  ok: 0,
  /** Failed to start or to stop cleanly; systemd restarts it. */
  failed: 1,
  /** The config (or the board it names) is unusable, or its kiosk port is taken: restarting will not help. */
  badConfig: 2,
  /** The fleet asked for a reboot: the firmware stopped cleanly so that systemd starts it again. */
  restart: 75,
} as const;

export interface RunTerminalOptions {
  /** Config file to run. */
  configPath: string;
  /** Overrides the config's store path. */
  dbPath?: string;
  logger: Logger;
  /** What the fleet's `reboot` command does; absent, the terminal answers it NOT_SUPPORTED. */
  reboot?: (reason: string | undefined) => void;
}

export interface RunningTerminal {
  terminal: Terminal;
  kioskUrl: string;
  /** Closes the kiosk and the terminal (relay de-energised, store closed). Safe to call twice. */
  stop(): Promise<void>;
}

/** Loads the config and opens the terminal and its kiosk; errors keep their `code`. */
export async function startTerminal(options: RunTerminalOptions): Promise<RunningTerminal> {
  const loaded = loadConfigFile(options.configPath);
  const config: Config = options.dbPath ? { ...loaded, store: { ...loaded.store, path: options.dbPath } } : loaded;
  const { logger } = options;
  const terminal = await Terminal.open({
    config,
    logger,
    configPath: options.configPath,
    ...(options.reboot && { reboot: options.reboot }),
  });
  let kiosk: KioskServer;
  try {
    kiosk = await KioskServer.start({ terminal, host: config.panel.host, port: config.panel.port, logger });
  } catch (err) {
    await terminal.close();
    throw err;
  }
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await kiosk.close();
      await terminal.close();
    })();
    return stopping;
  };
  return { terminal, kioskUrl: kiosk.url, stop };
}

/**
 * Tells systemd the service is up (Type=notify) when it started us with NOTIFY_SOCKET.
 * Node cannot write to a Unix datagram socket, and the npm packages that can
 * (sd-notify, unix-dgram) are native addons that would need a compiler on every board;
 * systemd's own `systemd-notify` does it, and by default waits until systemd has
 * processed the message, so the notice is not lost when the helper exits first.
 * The unit sets NotifyAccess=all because the helper is a child of the main process.
 */
export function notifySystemdReady(logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (!env.NOTIFY_SOCKET) return Promise.resolve(false);
  return new Promise((resolve) => {
    execFile('systemd-notify', ['--ready', `--pid=${process.pid}`], { env, timeout: 10_000 }, (err) => {
      if (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        logger.warn({ err: missing ? undefined : err }, missing ? 'NOTIFY_SOCKET is set but systemd-notify is not installed' : 'systemd-notify failed');
        resolve(false);
        return;
      }
      resolve(true);
    });
  });
}

export function configFileFrom(opts: { config?: string }): string | undefined {
  return opts.config ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
}

/** For stderr: one line, or for a config with several problems, one line per problem. */
function describeStartFailure(err: unknown): string {
  const e = err as Error & { code?: unknown };
  const code = typeof e.code === 'string' ? `${e.code}: ` : '';
  return `limen run: ${code}${err instanceof ConfigError ? describeConfigError(err) : (e.message ?? String(err))}`;
}

/**
 * `limen run`: runs the terminal until a signal or the fleet stops it (the process then
 * exits with a RUN_EXIT code). A missing config file exits 2 without starting anything.
 */
export async function runTerminal(opts: { config?: string; db?: string }): Promise<void> {
  const configPath = configFileFrom(opts);
  if (configPath === undefined) {
    console.error(`limen run: CONFIG_NOT_FOUND: no config file: pass --config FILE (or put one at ./${DEFAULT_CONFIG_FILE})`);
    process.exitCode = RUN_EXIT.badConfig;
    return;
  }
  await runUntilSignalled({ configPath, ...(opts.db !== undefined && { dbPath: opts.db }), logger: createLogger() });
}

export const RUN_DESCRIPTION =
  'run the terminal firmware on the board its config names: kiosk page on panel.host:panel.port, fleet agent when configured, JSON logs on stdout ' +
  '(production: board/limen-launch under systemd, see docs/deploy.md)';

const USAGE = `Usage: limen run [--config FILE] [--db PATH]

${RUN_DESCRIPTION}

Options:
  -c, --config <file>  terminal config file (default ./${DEFAULT_CONFIG_FILE} if present)
  --db <path>          terminal database file (overrides the config)
  -h, --help           display help for command
`;

/** The terminal entry's command line: `[run] [--config FILE] [--db PATH]`, as board/limen-launch passes it. */
export async function main(argv: readonly string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { config: { type: 'string', short: 'c' }, db: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    console.error(`limen run: ${(err as Error).message}\n\n${USAGE}`);
    process.exitCode = RUN_EXIT.badConfig;
    return;
  }
  const extra = parsed.positionals.filter((p, i) => !(i === 0 && p === 'run'));
  if (parsed.values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (extra.length) {
    console.error(`limen run: unknown command or argument ${extra.join(' ')}: this is the terminal's entry, the other limen commands are in dist/limen.mjs\n\n${USAGE}`);
    process.exitCode = RUN_EXIT.badConfig;
    return;
  }
  await runTerminal({ ...(parsed.values.config !== undefined && { config: parsed.values.config }), ...(parsed.values.db !== undefined && { db: parsed.values.db }) });
}

async function runUntilSignalled(options: RunTerminalOptions): Promise<void> {
  const logger = child(options.logger, 'run');
  let running: RunningTerminal | null = null;
  /** The exit code asked for by a signal or the fleet; null while running. */
  let stopWith: number | null = null;
  const exit = (code: number) => {
    logger.flush();
    process.exit(code);
  };
  const stop = (running: RunningTerminal, code: number) =>
    running.stop().then(
      () => {
        logger.info({ code }, 'stopped: door relay de-energised, store closed');
        exit(code);
      },
      (err: unknown) => {
        logger.error({ err }, 'terminal did not stop cleanly');
        exit(RUN_EXIT.failed);
      },
    );
  const requestStop = (code: number, why: Record<string, unknown>) => {
    if (stopWith !== null) {
      logger.warn(why, 'second stop request: exiting without a clean shutdown');
      exit(RUN_EXIT.failed);
    }
    stopWith = code;
    logger.info(why, 'stopping');
    // A signal during start-up stops the terminal as soon as it is open.
    if (running) void stop(running, code);
  };
  process.on('SIGTERM', () => requestStop(RUN_EXIT.ok, { signal: 'SIGTERM' }));
  process.on('SIGINT', () => requestStop(RUN_EXIT.ok, { signal: 'SIGINT' }));
  try {
    running = await startTerminal({
      ...options,
      reboot: (reason) => requestStop(RUN_EXIT.restart, { reason, fleet: 'reboot' }),
    });
  } catch (err) {
    // A busy port is named in one line and exits 2: restarting will not free it.
    const bad = err instanceof ConfigError || err instanceof BoardError || err instanceof ListenError;
    if (!bad) logger.error({ err }, 'terminal could not start');
    console.error(describeStartFailure(err));
    exit(bad ? RUN_EXIT.badConfig : RUN_EXIT.failed);
    return;
  }
  if (stopWith !== null) {
    void stop(running, stopWith);
    return;
  }
  const { config } = running.terminal;
  logger.info(
    {
      terminal: config.terminal.id,
      board: config.board,
      store: config.store.path,
      kioskUrl: running.kioskUrl,
      fleet: config.fleet ? config.fleet.url : null,
      face: config.face.enabled,
      pid: process.pid,
    },
    'terminal running',
  );
  await notifySystemdReady(logger);
}
