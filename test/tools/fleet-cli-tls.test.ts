// `limen fleet` (the real CLI process) against the Mosquitto that `limen provision`
// sets up: mutual TLS with the provisioned backend certificate, signed requests.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FleetAgent } from '../../firmware/fleet/index.js';
import { unlockAgent } from '../firmware/fleet/helpers/unlock-agent.js';
import { loadFleetKeys } from '../../firmware/security/fleet-keys.js';
import { missing, startProvisionedBroker, type ProvisionedBroker } from '../firmware/security/helpers/provisioned-broker.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the CLI without blocking this process (the terminal under test lives here). */
function limen(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const env = { ...process.env };
  delete env.LIMEN_FLEET_URL;
  delete env.LIMEN_FLEET_SITE;
  const p = spawn(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), ...args], { cwd: root, env });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => p.once('close', (code) => resolve({ code, out: out.trim(), err: err.trim() })));
}

const absent = missing();
if (absent) {
  console.log(`skipped: ${absent} not installed`);
} else {
  const SITE = 's1';
  let broker: ProvisionedBroker;
  let agent: FleetAgent;
  const unlocks: number[] = [];

  test.before(async () => {
    broker = await startProvisionedBroker(SITE, ['door-1']);
    const t = join(broker.out, 'terminals', 'door-1');
    agent = unlockAgent({
      site: SITE,
      terminalId: 'door-1',
      mqtt: { url: broker.url, protocolVersion: 5, tls: broker.tls('door-1') },
      trustedKeys: loadFleetKeys(join(t, 'fleet-keys.json')),
      unlocks,
    });
    agent.start();
    await agent.whenConnected();
  });

  test.after(async () => {
    await agent?.stop();
    await broker?.close();
  });

  test('--provisioned DIR: the backend certificate, signing key and broker port from the provision folder', async () => {
    const r = await limen('fleet', '--site', SITE, '--provisioned', broker.out, 'terminals');
    assert.is(r.code, 0, r.err);
    assert.match(r.out, /^door-1\tonline\t/m);
    const u = await limen('fleet', '--site', SITE, '--provisioned', broker.out, 'unlock', 'door-1', '--ms', '2500');
    assert.is(u.code, 0, u.err);
    assert.equal(unlocks, [2500]);
  });

  test('--ca/--cert/--key/--signing-key name each file', async () => {
    const b = join(broker.out, 'backend');
    const r = await limen(
      'fleet', '--url', broker.url, '--site', SITE,
      '--ca', join(b, 'ca.crt'), '--cert', join(b, 'client.crt'), '--key', join(b, 'client.key'), '--signing-key', join(b, 'signing-key.pem'),
      'unlock', 'door-1', '--ms', '3100',
    );
    assert.is(r.code, 0, r.err);
    assert.equal(unlocks, [2500, 3100]);
  });

  test('a certificate without its key, or a file that cannot be read, is one line and exit 1', async () => {
    const b = join(broker.out, 'backend');
    const half = await limen('fleet', '--url', broker.url, '--site', SITE, '--cert', join(b, 'client.crt'), 'terminals');
    assert.is(half.code, 1);
    assert.is(half.err, 'limen: --cert and --key go together');
    const gone = await limen('fleet', '--url', broker.url, '--site', SITE, '--ca', join(b, 'nope.crt'), 'terminals');
    assert.is(gone.code, 1);
    assert.is(gone.err, `limen: --ca ${join(b, 'nope.crt')}: cannot read it (ENOENT)`);
  });

  test.run();
}
