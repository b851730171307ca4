import { statSync } from 'node:fs';
import { extname } from 'node:path';
import type { Config, FaceCameraConfig } from '../../firmware/config/index.js';
import { IMAGE_EXTENSIONS } from '../../hal/camera/index.js';
import type { Logger } from '../../firmware/log.js';
import { PanelServer } from '../../firmware/panel/server.js';
import { simPanelTarget } from '../../firmware/panel/sim-target.js';
import { Terminal } from '../../firmware/terminal.js';
import { printFaceDecisions } from './face-decisions.js';

export interface RunSimulatorOptions {
  config: Config;
  logger: Logger;
  /** The file the config came from (fleet config changes are written back to it). */
  configPath?: string;
}

/** Runs a simulated terminal and its control panel until SIGINT / SIGTERM. */
export async function runSimulator({ config, logger, configPath }: RunSimulatorOptions): Promise<void> {
  const terminal = await Terminal.open({
    config,
    logger,
    ...(configPath !== undefined && { configPath }),
    // A simulated terminal does not restart: the request is logged.
    reboot: (reason) => logger.warn({ reason }, 'reboot requested; a sim terminal keeps running'),
  });
  const panel = await PanelServer.start({ target: simPanelTarget(terminal), host: config.panel.host, port: config.panel.port, logger });
  console.log(`Limen sim terminal "${config.terminal.id}" (board ${config.board}, database ${config.store.path})`);
  console.log(`Control panel: ${panel.url}`);
  if (config.fleet) console.log(`Fleet: ${config.fleet.url} (site ${config.fleet.site ?? config.terminal.site})`);
  // Each face decision as a line, so that a face played into the camera (--play) gets an answer.
  const { face, access } = terminal;
  if (face) printFaceDecisions(face, (line) => console.log(line), { personName: (id) => access.repository.getPerson(id)?.name });
  void terminal.face?.whenReady().then((s) => {
    if (s.state === 'running') console.log(`Face recognition: on (${s.modelSet}, ${s.templates} enrolled, liveness ${s.livenessLevel}, camera: ${s.camera})`);
    else if (s.state === 'failed') console.log(`Face recognition unavailable: ${s.error?.message} (cards and the door work)`);
  });
  const stop = async () => {
    await panel.close();
    await terminal.close();
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
