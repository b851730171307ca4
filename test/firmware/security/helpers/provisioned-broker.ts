/**
 * A fleet made by `provisionFleet` in a temporary folder, and the real Mosquitto
 * started with the config it generated (mutual TLS, certificate identities, ACL).
 * Needs openssl and mosquitto: `missing()` names what is absent.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { provisionFleet, type ProvisionOptions } from '../../../../tools/pki/provision.js';
import { freePort, hasMosquitto } from '../../../sdk/helpers/brokers.js';

export function missing(): string | null {
  if (spawnSync('openssl', ['version'], { stdio: 'ignore' }).status !== 0) return 'openssl';
  if (!hasMosquitto()) return 'mosquitto';
  return null;
}

export interface ProvisionedBroker {
  /** The provision output folder (`terminals/{id}/`, `backend/`, `broker/`). */
  out: string;
  site: string;
  port: number;
  url: string;
  /** CA, certificate and key of `terminals/{id}` or `backend`, as buffers for mqtt.js. */
  tls(who: string): { ca: Buffer; cert: Buffer; key: Buffer };
  /** Mosquitto's log so far. */
  log(): string;
  close(): Promise<void>;
}

export async function startProvisionedBroker(site: string, terminals: string[], extra: Partial<ProvisionOptions> = {}): Promise<ProvisionedBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'limen-provbroker-'));
  // Mosquitto drops to its own user when started as root: it must be able to walk down to broker/.
  chmodSync(dir, 0o755);
  const out = join(dir, 'fleet');
  const port = await freePort();
  const isRoot = userInfo().uid === 0;
  const brokerUser = isRoot && spawnSync('id', ['-u', 'mosquitto'], { stdio: 'ignore' }).status === 0 ? 'mosquitto' : undefined;
  provisionFleet({ outDir: out, site, terminals, brokerPort: port, brokerBind: '127.0.0.1', brokerUser, ...extra });
  const proc: ChildProcess = spawn('mosquitto', ['-c', join(out, 'broker/mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (!/ running/.test(log)) return;
      proc.stderr!.off('data', onData);
      resolve();
    };
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`mosquitto exited with ${code}: ${log}`)));
  });
  return {
    out,
    site,
    port,
    url: `mqtts://127.0.0.1:${port}`,
    tls: (who) => {
      const base = who === 'backend' ? join(out, 'backend') : join(out, 'terminals', who);
      return { ca: readFileSync(join(base, 'ca.crt')), cert: readFileSync(join(base, 'client.crt')), key: readFileSync(join(base, 'client.key')) };
    },
    log: () => log,
    close: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        await new Promise<void>((r) => {
          proc.once('exit', () => r());
          proc.kill('SIGKILL');
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
