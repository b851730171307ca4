import type { Config } from '../../firmware/config/index.js';
import type { Logger } from '../../firmware/log.js';
import { PanelServer } from '../../firmware/panel/server.js';
import { simPanelTarget } from '../../firmware/panel/sim-target.js';
import { Terminal } from '../../firmware/terminal.js';

export interface RunSimulatorOptions {
  config: Config;
  logger: Logger;
}

/** Runs a simulated terminal and its control panel until SIGINT / SIGTERM. */
export async function runSimulator({ config, logger }: RunSimulatorOptions): Promise<void> {
  const terminal = await Terminal.open({ config, logger });
  const panel = await PanelServer.start({ target: simPanelTarget(terminal), host: config.panel.host, port: config.panel.port, logger });
  console.log(`Limen sim terminal "${config.terminal.id}" (board ${config.board}, database ${config.store.path})`);
  console.log(`Control panel: ${panel.url}`);
  const stop = async () => {
    await panel.close();
    await terminal.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
