import { statSync } from 'node:fs';
import { extname } from 'node:path';
import type { Config, FaceCameraConfig, FleetConfig } from '../../firmware/config/index.js';
import { KioskServer } from '../../firmware/kiosk/index.js';
import { child, type Logger } from '../../firmware/log.js';
import { PanelServer } from '../panel/server.js';
import { simPanelTarget } from '../panel/sim-target.js';
import { Terminal } from '../../firmware/terminal.js';
import { IMAGE_EXTENSIONS } from '../../hal/camera/index.js';
import { startBroker } from './broker.js';
import { printFaceDecisions } from './face-decisions.js';
import { siteService } from './site-service.js';

export interface RunSimulatorOptions {
  config: Config;
  logger: Logger;
  /** The file the config came from (fleet config changes are written back to it). */
  configPath?: string;
  /**
   * Runs an MQTT broker in this process on this port (0: a free one), connects the
   * terminal to it (instead of the config's fleet broker) and runs the site server (in memory, seeded).
   */
  mqttPort?: number;
}

/** One simulated terminal with the demo's pages: terminal page, control panel, and with a broker the site server. */
export interface SingleSimulator {
  terminal: Terminal;
  /** The kiosk screen with the control panel beside it. */
  terminalPageUrl: string;
  kioskUrl: string;
  panelUrl: string;
  brokerUrl: string | null;
  siteUrl: string | null;
  /** What `limen sim` prints. */
  describe(): string[];
  /** Site, kiosk, panel, terminal, then the broker. */
  close(): Promise<void>;
}

/** The fleet config of a terminal on the embedded broker: plain MQTT, no credentials. */
function embeddedFleet(config: Config, url: string): FleetConfig {
  const { tls: _tls, username: _user, password: _password, ...rest } = config.fleet ?? { groups: [] };
  return { ...rest, url } as FleetConfig;
}

/** Starts a simulated terminal from `config` and its pages; on failure, closes what it started. */
export async function startSimulator({ config: given, logger, configPath, mqttPort }: RunSimulatorOptions): Promise<SingleSimulator> {
  const log = child(logger, 'sim');
  const closers: Array<{ what: string; close: () => Promise<void> }> = [];
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      for (const c of closers.reverse()) await c.close().catch((err: unknown) => log.warn({ err }, `${c.what} did not close cleanly`));
    })());
  try {
    const host = given.panel.host;
    const broker = mqttPort === undefined ? null : await startBroker({ host, port: mqttPort });
    if (broker) closers.push({ what: 'MQTT broker', close: () => broker.close() });
    const config: Config = broker ? { ...given, fleet: embeddedFleet(given, broker.url) } : given;
    const terminal = await Terminal.open({
      config,
      logger,
      ...(configPath !== undefined && { configPath }),
      // A simulated terminal does not restart: the request is logged.
      reboot: (reason) => logger.warn({ reason }, 'reboot requested; a sim terminal keeps running'),
    });
    closers.push({ what: 'terminal', close: () => terminal.close() });
    const panel = await PanelServer.start({ target: simPanelTarget(terminal), host, port: config.panel.port, logger });
    closers.push({ what: 'control panel', close: () => panel.close() });
    const kiosk = await KioskServer.start({ terminal, host, port: 0, logger, panelUrl: panel.url });
    closers.push({ what: 'kiosk', close: () => kiosk.close() });
    const id = config.terminal.id;
    const site = broker ? await siteService({ database: ':memory:', host })({ site: config.fleet?.site ?? config.terminal.site, brokerUrl: broker.url, terminals: [{ id }] }) : null;
    if (site) closers.push({ what: 'site', close: () => site.close() });
    const result: SingleSimulator = {
      terminal,
      terminalPageUrl: `${kiosk.url}sim`,
      kioskUrl: kiosk.url,
      panelUrl: panel.url,
      brokerUrl: broker?.url ?? null,
      siteUrl: site?.url ?? null,
      describe: () => [
        `Limen sim terminal "${id}" (board ${config.board}, database ${config.store.path})`,
        ...(broker ? [`MQTT broker: ${broker.url}`] : []),
        ...(site ? [`Site: ${site.url}`, ...(site.notes ?? [])] : []),
        `Terminal ${id}: ${result.terminalPageUrl}`,
        `Control panel: ${panel.url}`,
        ...(config.fleet ? [`Fleet: ${config.fleet.url} (site ${config.fleet.site ?? config.terminal.site})`] : []),
      ],
      close,
    };
    return result;
  } catch (err) {
    await close();
    throw err;
  }
}

/** Runs a simulated terminal and its pages until SIGINT / SIGTERM. */
export async function runSimulator(options: RunSimulatorOptions): Promise<void> {
  const sim = await startSimulator(options);
  for (const line of sim.describe()) console.log(line);
  // Each face decision as a line, so that a face played into the camera (--play) gets an answer.
  const { face, access } = sim.terminal;
  if (face) printFaceDecisions(face, (line) => console.log(line), { personName: (id) => access.repository.getPerson(id)?.name });
  void sim.terminal.face?.whenReady().then((s) => {
    if (s.state === 'running') console.log(`Face recognition: on (${s.modelSet}, ${s.templates} enrolled, liveness ${s.livenessLevel}, camera: ${s.camera})`);
    else if (s.state === 'failed') console.log(`Face recognition unavailable: ${s.error?.message} (cards and the door work)`);
  });
  const stop = async () => {
    await sim.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/** The face camera config that plays `path`: a folder of images, one image, or a video. */
export function playedCamera(path: string): FaceCameraConfig {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new Error(`--play: no such file or folder ${path}`);
  }
  if (isDir) return { source: 'image-folder', path, secondsPerImage: 2, fps: 10 };
  if (IMAGE_EXTENSIONS.includes(extname(path).toLowerCase())) return { source: 'image', path, fps: 10 };
  return { source: 'video', path, loop: true, fps: 10 };
}
