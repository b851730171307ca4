import { startConsole } from './server.js';

/**
 * A starter for the simulator's services (tools/cli/simulation.ts `services`): the
 * fleet console on the simulation's broker and site, named "Console".
 */
export function consoleService(options: { host?: string; port?: number } = {}) {
  return async (sim: { site: string; brokerUrl: string }) => {
    const running = await startConsole({ brokerUrl: sim.brokerUrl, site: sim.site, ...options });
    return { name: 'Console', url: running.url, close: () => running.close() };
  };
}
