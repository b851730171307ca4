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
 * kiosk page of terminal `id`, named "Kiosk {id}".
 */
export function kioskService(id: string, options: KioskServiceOptions) {
  return async (sim: { terminals: ReadonlyArray<{ id: string; terminal: Terminal }> }) => {
    const entry = sim.terminals.find((t) => t.id === id);
    if (!entry) throw new TypeError(`kioskService: no terminal ${id} (have ${sim.terminals.map((t) => t.id).join(', ')})`);
    const server = await KioskServer.start({ terminal: entry.terminal, ...options });
    return { name: `Kiosk ${id}`, url: server.url, close: () => server.close() };
  };
}
