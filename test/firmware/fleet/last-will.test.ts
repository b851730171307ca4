/**
 * A terminal that dies without saying goodbye: the broker publishes its last will,
 * the fleet marks it offline (reason `lost`), a request waiting on it fails with
 * OfflineError, and new requests fail fast.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Fleet, OfflineError } from '../../../sdk/src/index.js';
import { hasMosquitto, startAedes, startMosquitto, type TestBroker } from '../../sdk/helpers/brokers.js';
import { guard } from '../../sdk/helpers/wait.js';

const script = fileURLToPath(new URL('./helpers/terminal-process.ts', import.meta.url));

async function lastWill(makeBroker: () => Promise<TestBroker>): Promise<void> {
  const broker = await makeBroker();
  const fleet = await Fleet.connect({ url: broker.url, site: 'hq', mqtt: { protocolVersion: broker.protocolVersion }, requestTimeoutMs: 15_000 });
  const proc = spawn(process.execPath, ['--import', 'tsx', script, broker.url, String(broker.protocolVersion), 'door-9'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const lines = createInterface({ input: proc.stdout! });
    const next = (want: string) => new Promise<void>((resolve) => lines.on('line', (l) => l.startsWith(want) && resolve()));
    const ready = next('ready');
    const online = new Promise<void>((r) => fleet.onPresence((p) => p.terminal === 'door-9' && p.online && r()));
    await guard(Promise.all([ready, online]), 'terminal online', 30_000);
    const unlockArrived = next('unlock');
    const pending = fleet.terminal('door-9').unlock({ durationMs: 1000 }).catch((e: unknown) => e);
    await guard(unlockArrived, 'unlock reaches the terminal');
    const lost = new Promise<string | undefined>((r) => fleet.onPresence((p) => p.terminal === 'door-9' && !p.online && r(p.presence?.reason)));
    proc.kill('SIGKILL');
    assert.is(await guard(lost, 'last will'), 'lost');
    const err = await guard(pending, 'pending request settles');
    assert.instance(err, OfflineError);
    const again = await fleet.terminal('door-9').ping().catch((e: unknown) => e);
    assert.instance(again, OfflineError);
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    await fleet.close();
    await broker.close();
  }
}

test('aedes: a killed terminal goes offline through its last will', () => lastWill(startAedes));
if (hasMosquitto()) test('Mosquitto: a killed terminal goes offline through its last will', () => lastWill(startMosquitto));
else console.log('skipped: last-will test on Mosquitto (mosquitto not installed)');

test.run();
