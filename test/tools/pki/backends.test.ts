/**
 * `limen provision --backend NAME...`: one certificate per backend process. The broker
 * makes each certificate's CN the client id, so two backend processes sharing the event
 * stream need two; with them, both stay connected on a real Mosquitto (mutual TLS, the
 * generated config and ACL) and split the events of a terminal through a shared subscription.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Fleet } from '../../../sdk/src/index.js';
import { missing, startProvisionedBroker } from '../../firmware/security/helpers/provisioned-broker.js';
import { startTerminal } from '../../sdk/helpers/terminal.js';
import { until } from '../../sdk/helpers/wait.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const subject = (crt: string) => spawnSync('openssl', ['x509', '-in', crt, '-noout', '-subject'], { encoding: 'utf8' }).stdout.trim();

const absent = missing();
if (absent) console.log(`skipped: ${absent} not installed`);
else {
  test('--backend issues one certificate per name; the ACL lets each CN reach the site', () => {
    const dir = mkdtempSync(join(tmpdir(), 'limen-prov-backends-'));
    try {
      const out = join(dir, 'fleet');
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), 'provision', '-o', out, '-s', 'hq', '-t', 'gate-1', '--backend', 'backend', 'site-2'], { cwd: root, encoding: 'utf8' });
      assert.is(r.status, 0, r.stderr);
      assert.ok(r.stdout.includes(`backend backend: _backend.hq in ${join(out, 'backend')}`), r.stdout);
      assert.ok(r.stdout.includes(`backend site-2: _backend.hq.site-2 in ${join(out, 'backend/site-2')}`), r.stdout);
      assert.match(subject(join(out, 'backend/client.crt')), /CN\s*=\s*_backend\.hq$/);
      assert.match(subject(join(out, 'backend/site-2/client.crt')), /CN\s*=\s*_backend\.hq\.site-2$/);
      assert.ok(existsSync(join(out, 'backend/site-2/ca.crt')));
      const acl = readFileSync(join(out, 'broker/acl'), 'utf8');
      for (const id of ['_backend.hq', '_backend.hq.site-2']) assert.ok(acl.includes(`user ${id}\ntopic readwrite limen/v1/hq/#\n`), acl);
      const bad = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), 'provision', '-o', join(dir, 'bad'), '-s', 'hq', '--backend', 'no/slash'], { cwd: root, encoding: 'utf8' });
      assert.is(bad.status, 1);
      assert.match(bad.stderr, /^limen: backend name/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('two backend processes with their own certificates both stay connected and split the events', async () => {
    const broker = await startProvisionedBroker('hq', ['gate-1'], { backends: ['site-1', 'site-2'] });
    const tls = (dir: string) => ({ ca: readFileSync(join(dir, 'ca.crt')), cert: readFileSync(join(dir, 'client.crt')), key: readFileSync(join(dir, 'client.key')) });
    const clients: mqtt.MqttClient[] = [];
    const fleets: Fleet[] = [];
    let drops = 0;
    const terminal = startTerminal(
      { name: 'mosquitto', url: broker.url, port: broker.port, protocolVersion: 5, stop: async () => {}, start: async () => {}, close: async () => {} },
      { site: 'hq', id: 'gate-1', tls: tls(join(broker.out, 'terminals/gate-1')) },
    );
    try {
      for (const name of ['site-1', 'site-2']) {
        const client = mqtt.connect(broker.url, { protocolVersion: 5, clean: true, resubscribe: false, reconnectPeriod: 200, ...tls(join(broker.out, 'backend', name)) });
        client.on('close', () => drops++);
        clients.push(client);
        const fleet = await Fleet.connect({ client, site: 'hq', shareGroup: 'backends' });
        fleet.onEvent(() => {});
        await fleet.whenConsuming();
        fleets.push(fleet);
      }
      await terminal.agent.whenConnected();
      // One batch at a time, each acknowledged before the next: twenty messages for the broker to share out.
      for (let i = 1; i <= 20; i++) {
        terminal.events.append({ type: 'door.opened' });
        await until((wake) => terminal.events.acks.add(wake), () => terminal.events.ackedSeq() === i, `event ${i} acknowledged`);
      }
      const shares = fleets.map((f) => f.stats().events.delivered);
      assert.is(drops, 0, 'neither backend connection replaced the other');
      assert.ok(shares.every((n) => n > 0) && shares[0]! + shares[1]! === 20, `shares ${shares.join(' + ')}`);
    } finally {
      for (const f of fleets) await f.close();
      for (const c of clients) await c.endAsync();
      await terminal.agent.stop();
      await broker.close();
    }
  });

  test.run();
}
