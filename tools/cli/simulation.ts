// The whole system on one machine: an MQTT broker in this process and several sim
// terminals (each with its own database and control panel) connected to it as a
// fleet. `npm start` runs it; servers (kiosk pages, the site) attach to what it returns.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateSigningKey, type SimSigningKey } from './sim-signing-key.js';
import { defaultConfig, type Config, type FaceConfig } from '../../firmware/config/index.js';
import { child, silentLogger, type Logger } from '../../firmware/log.js';
import { PanelServer } from '../panel/server.js';
import { simPanelTarget } from '../panel/sim-target.js';
import { Terminal } from '../../firmware/terminal.js';
import { SIM_PLATE_CAMERA_ID, simVehicleGateBoard, validateBoard } from '../../board/index.js';
import { PushPlateReader } from '../../hal/plate/index.js';
import type { FaceEngine } from '../../firmware/vision/index.js';
import { startBroker, type EmbeddedBroker } from './broker.js';
import { playedCamera } from './sim.js';

export interface SimTerminalSpec {
  id: string;
  /** Shown on the terminal's idle screen. */
  name: string;
  /** Fleet groups (backends address groups of terminals). */
  groups?: string[];
  /** Face recognition on this terminal (needs the models; cards work without them). */
  face?: boolean;
  /** A vehicle gate: the board has a plate camera taking ISAPI pushes (its URL is printed). */
  vehicleGate?: boolean;
}

/** A community gate with face recognition and a building door with cards. */
export const DEFAULT_SIM_TERMINALS: readonly SimTerminalSpec[] = Object.freeze([
  { id: 'gate-1', name: 'Community gate', groups: ['gates'], face: true, vehicleGate: true },
  { id: 'door-1', name: 'Building 1 door', groups: ['building-1'], face: false },
]);

/** A server started beside the terminals (the site server, a kiosk page...). */
export interface SimulationService {
  /** Printed before the URL: 'Site', 'Terminal gate-1'. */
  name: string;
  url: string;
  /** Lines printed after the URL (the site's login). */
  notes?: string[];
  close(): Promise<void>;
}

/** Starts a service once the broker and terminals run; it is closed before them. */
export type SimulationServiceStarter = (sim: Omit<Simulation, 'close' | 'services'>) => Promise<SimulationService>;

export interface SimulationOptions {
  /** Fleet site of every terminal. Default 'demo'. */
  site?: string;
  terminals?: readonly SimTerminalSpec[];
  /** Folder of the terminals' databases (`{dir}/{id}.db`), or ':memory:'. Default 'var/sim'. */
  dir?: string;
  /** Host the broker and panels listen on. Default 127.0.0.1. */
  host?: string;
  /** MQTT (TCP) port; 0 picks a free one (default). */
  mqttPort?: number;
  /** First control panel's port, the next terminals count up from it; 0 (default) picks free ports. */
  panelPort?: number;
  /** Face settings for every face terminal (`false`: face recognition off on all terminals). */
  face?: false | Partial<FaceConfig>;
  /** Plays an image, a folder of images or a video into the face terminals' cameras (needs ffmpeg). */
  play?: string;
  /** A face engine the terminals share (not closed here); default: each face terminal loads its own. */
  faceEngine?: FaceEngine;
  /** How long granted / denied stays on screen (ms). */
  feedbackMs?: number;
  /** Changes a terminal's config before it opens. */
  configure?: (config: Config, spec: SimTerminalSpec) => Config;
  /** What a fleet `reboot` does on a sim terminal. Default: logged; the terminal keeps running. */
  onReboot?: (id: string, reason: string | undefined) => void;
  /** Servers to start beside the terminals, in order. */
  services?: readonly SimulationServiceStarter[];
  /**
   * The fleet signing key (PEM file, made when missing). The terminals trust its public
   * key (`fleet-keys.json` beside it): they read visitor passes from their cameras and
   * take only signed commands. The site signs passes and commands with it. Default: none.
   */
  signingKey?: string;
  logger?: Logger;
}

export interface SimulatedTerminal {
  id: string;
  name: string;
  panelUrl: string;
  /** Where a plate camera posts ISAPI ANPR events to this terminal (vehicle gates only). */
  plateCameraUrl?: string;
  terminal: Terminal;
  panel: PanelServer;
}

export interface Simulation {
  site: string;
  brokerUrl: string;
  /** The fleet signing key the terminals trust, when the simulation has one. */
  signingKey?: SimSigningKey;
  broker: EmbeddedBroker;
  terminals: SimulatedTerminal[];
  services: SimulationService[];
  /** Services, panels, terminals (their agents say goodbye), then the broker. Idempotent. */
  close(): Promise<void>;
}

function terminalConfig(spec: SimTerminalSpec, o: SimulationOptions, brokerUrl: string, site: string, panelPort: number, key: SimSigningKey | undefined): Config {
  const dir = o.dir ?? join('var', 'sim');
  const faceOn = o.face !== false && spec.face === true;
  const face: Partial<FaceConfig> = {
    ...(o.face || {}),
    enabled: faceOn,
    ...(faceOn && o.play !== undefined && { camera: playedCamera(o.play) }),
  };
  const config = defaultConfig(spec.id, {
    terminal: { id: spec.id, name: spec.name, site },
    store: { path: dir === ':memory:' ? ':memory:' : join(dir, `${spec.id}.db`) },
    panel: { host: o.host ?? '127.0.0.1', port: panelPort },
    face,
    fleet: { url: brokerUrl, site, groups: spec.groups ?? [], healthIntervalMs: 10_000, ...(key && { trustedKeys: key.trustedKeysFile }) },
    passes: { enabled: key !== undefined },
  });
  return o.configure ? o.configure(config, spec) : config;
}

export async function startSimulation(options: SimulationOptions = {}): Promise<Simulation> {
  const site = options.site ?? 'demo';
  const specs = options.terminals ?? DEFAULT_SIM_TERMINALS;
  const ids = new Set(specs.map((s) => s.id));
  if (specs.length === 0 || ids.size !== specs.length) throw new TypeError('startSimulation: terminals need unique ids');
  const logger = options.logger ?? silentLogger();
  const log = child(logger, 'sim');
  const dir = options.dir ?? join('var', 'sim');
  if (dir !== ':memory:') mkdirSync(dir, { recursive: true });
  const signingKey = options.signingKey !== undefined ? loadOrCreateSigningKey(options.signingKey) : undefined;

  const broker = await startBroker({ host: options.host ?? '127.0.0.1', port: options.mqttPort ?? 0 });
  const terminals: SimulatedTerminal[] = [];
  const services: SimulationService[] = [];
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      for (const s of services.reverse()) await s.close().catch((err: unknown) => log.warn({ err, service: s.name }, 'service did not close cleanly'));
      for (const t of terminals) await t.panel.close().catch((err: unknown) => log.warn({ err, id: t.id }, 'panel did not close cleanly'));
      for (const t of terminals) await t.terminal.close().catch((err: unknown) => log.warn({ err, id: t.id }, 'terminal did not close cleanly'));
      await broker.close();
    })());

  try {
    for (const [i, spec] of specs.entries()) {
      const panelPort = options.panelPort ? options.panelPort + i : 0;
      const config = terminalConfig(spec, options, broker.url, site, panelPort, signingKey);
      const reboot = (reason: string | undefined) => {
        if (options.onReboot) options.onReboot(spec.id, reason);
        else log.warn({ id: spec.id, reason }, 'reboot requested; a sim terminal keeps running');
      };
      const terminal = await Terminal.open({
        config,
        ...(spec.vehicleGate && { board: validateBoard(simVehicleGateBoard) }),
        logger,
        reboot,
        ...(options.feedbackMs !== undefined && { feedbackMs: options.feedbackMs }),
        ...(options.faceEngine && config.face.enabled && { faceEngine: options.faceEngine }),
      });
      try {
        const panel = await PanelServer.start({ target: simPanelTarget(terminal), host: config.panel.host, port: config.panel.port, logger });
        const plateCamera = terminal.board.devices.plateCamera;
        const plateCameraUrl = plateCamera instanceof PushPlateReader ? plateCamera.cameraUrl(SIM_PLATE_CAMERA_ID) : null;
        terminals.push({ id: spec.id, name: spec.name, panelUrl: panel.url, terminal, panel, ...(plateCameraUrl && { plateCameraUrl }) });
      } catch (err) {
        await terminal.close();
        throw err;
      }
    }
    for (const start of options.services ?? []) services.push(await start({ site, brokerUrl: broker.url, broker, terminals, ...(signingKey && { signingKey }) }));
  } catch (err) {
    await close();
    throw err;
  }
  return { site, brokerUrl: broker.url, broker, terminals, services, close, ...(signingKey && { signingKey }) };
}
