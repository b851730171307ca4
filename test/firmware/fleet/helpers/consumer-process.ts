/**
 * One backend process for the shared-subscription test. Args: broker url, share
 * group. Prints `ready` once consuming, then one line per event `terminal seq`;
 * on `stop` from stdin, prints `stats {json}` and exits.
 */
import { createInterface } from 'node:readline';
import { Fleet } from '../../../../sdk/src/index.js';

const [url, group] = process.argv.slice(2) as [string, string];
const fleet = await Fleet.connect({ url, site: 'hq', shareGroup: group, mqtt: { protocolVersion: 5 } });
const lines: string[] = [];
fleet.onEvent((e) => {
  lines.push(`${e.terminal} ${e.seq}`);
});
await fleet.whenConsuming();
process.stdout.write('ready\n');
const input = createInterface({ input: process.stdin });
for await (const line of input) {
  if (line === 'stop') break;
}
input.close();
process.stdin.destroy();
await fleet.close();
process.stdout.write(lines.map((l) => `${l}\n`).join(''));
process.stdout.write(`stats ${JSON.stringify(fleet.stats())}\n`);
