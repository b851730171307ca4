import type { Logger } from '../log.js';
import type { Terminal } from '../terminal.js';
import { KioskServer } from './server.js';

export interface KioskServiceOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  visitorUrl?: string;
  logger: Logger;
}

/**
 * A starter for the simulator's services (tools/cli/simulation.ts `services`): the
 * kiosk of terminal `id`, named "Terminal {id}". When the simulation gives the
 * terminal a control panel, the URL is the `/sim` page (screen and panel side by
 * side); otherwise it is the kiosk page itself.
 */
export function kioskService(id: string, options: KioskServiceOptions) {
  return async (sim: { terminals: ReadonlyArray<{ id: string; terminal: Terminal; panelUrl?: string }> }) => {
    const entry = sim.terminals.find((t) => t.id === id);
    if (!entry) throw new TypeError(`kioskService: no terminal ${id} (have ${sim.terminals.map((t) => t.id).join(', ')})`);
    const server = await KioskServer.start({ terminal: entry.terminal, ...options, ...(entry.panelUrl && { panelUrl: entry.panelUrl }) });
    return { name: `Terminal ${id}`, url: entry.panelUrl ? `${server.url}sim` : server.url, kioskUrl: server.url, close: () => server.close() };
  };
}
