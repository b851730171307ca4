/**
 * A terminal in its own process, for tests that kill it. Args: broker url,
 * protocol version, terminal id. Its unlock handler never answers, so a request
 * can be left pending. Prints `ready` once connected and announced.
 */
import { FleetAgent, MemoryEventSource } from '../../../../firmware/fleet/index.js';
import { silentLogger } from '../../../../firmware/log.js';

const [url, version, id] = process.argv.slice(2) as [string, string, string];
let unlocks = 0;
const agent = new FleetAgent({
  site: 'hq',
  terminalId: id,
  mqtt: { url, protocolVersion: Number(version) as 4 | 5, keepaliveS: 5 },
  identity: { firmware: 'limen-test', board: 'sim' },
  events: new MemoryEventSource(),
  handlers: {
    unlock: () => {
      process.stdout.write(`unlock ${++unlocks}\n`);
      return new Promise(() => {});
    },
  },
  logger: silentLogger(),
});
agent.start();
await agent.whenConnected();
process.stdout.write('ready\n');
