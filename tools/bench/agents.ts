/** Bench fleet agents t0..t(n-1) on one broker: plain event sources, no health to speak of. */
import { FleetAgent, MemoryEventSource } from '../../firmware/fleet/index.js';
import { silentLogger } from '../../firmware/log.js';

export interface BenchAgents {
  agents: FleetAgent[];
  /** Each agent's event log, by index. */
  sources: MemoryEventSource[];
}

/** Starts `n` agents on `site` at `url` and resolves once all are connected. */
export async function startBenchAgents(url: string, site: string, n: number): Promise<BenchAgents> {
  const sources: MemoryEventSource[] = [];
  const agents: FleetAgent[] = [];
  for (let i = 0; i < n; i++) {
    const events = new MemoryEventSource();
    const agent = new FleetAgent({
      site,
      terminalId: `t${i}`,
      mqtt: { url, protocolVersion: 5, backoff: { initialMs: 200, maxMs: 2000 } },
      identity: { firmware: 'bench', board: 'sim' },
      events,
      logger: silentLogger(),
      // Health messages would only add noise to what the benches measure.
      healthIntervalMs: 3_600_000,
    });
    sources.push(events);
    agents.push(agent);
    agent.start();
  }
  await Promise.all(agents.map((a) => a.whenConnected()));
  return { agents, sources };
}
