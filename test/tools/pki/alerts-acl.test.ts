/**
 * The provisioned broker ACL and alerts for integrators, on Mosquitto with the files
 * `limen provision` writes (mutual TLS): a backend (the site) publishes an alert with
 * `fleet.alerts.publish`, a second backend certificate (an integrator) receives it with
 * `fleet.alerts.on`; a terminal can neither read alerts nor publish one.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { provisionFleet } from '../../../tools/pki/provision.js';
import { Fleet, type AlertBody, type ReceivedAlert } from '../../../sdk/src/index.js';
import { encode, makeMessage, topics } from '../../../sdk/src/protocol/index.js';
import { freePort, hasMosquitto } from '../../sdk/helpers/brokers.js';
import { guard } from '../../sdk/helpers/wait.js';

const haveOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
const isRoot = userInfo().uid === 0;
const brokerUser = isRoot && spawnSync('id', ['-u', 'mosquitto'], { stdio: 'ignore' }).status === 0 ? 'mosquitto' : undefined;

const alert = (id: number): AlertBody => ({
  id,
  ruleId: 'fire',
  ruleVersion: 1,
  trigger: 'fire',
  severity: 'critical',
  zoneId: null,
  terminal: 'A',
  personId: null,
  event: { terminal: 'A', seq: id },
  score: null,
  liveness: null,
  snapshot: null,
  sightings: 1,
  firstSeenAt: 1,
  lastSeenAt: 1,
  state: 'open',
  createdAt: 2,
});

if (!haveOpenssl) console.log('skipped: alerts ACL test (openssl not installed)');
else if (!hasMosquitto()) console.log('skipped: alerts ACL test (mosquitto not installed)');
else {
  test('a backend publishes an alert, an integrator backend receives it; a terminal neither reads alerts nor publishes one', async () => {
    const site = 's1';
    const dir = mkdtempSync(join(tmpdir(), 'limen-alerts-acl-'));
    chmodSync(dir, 0o755); // Mosquitto dropping to its own user must reach the files
    const out = join(dir, 'fleet');
    const port = await freePort();
    provisionFleet({ outDir: out, site, terminals: ['A'], backends: ['backend', 'crm', 'ops'], brokerPort: port, brokerBind: '127.0.0.1', brokerUser });
    const url = `mqtts://127.0.0.1:${port}`;
    const tls = (who: string) => ({ ca: readFileSync(join(out, 'broker/ca.crt')), cert: readFileSync(join(out, who, 'client.crt')), key: readFileSync(join(out, who, 'client.key')) });
    let broker: ChildProcess | undefined;
    let siteFleet: Fleet | undefined;
    let integrator: Fleet | undefined;
    let terminal: mqtt.MqttClient | undefined;
    try {
      const p = spawn('mosquitto', ['-c', join(out, 'broker/mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
      broker = p;
      await guard(new Promise<void>((resolve, reject) => {
        let log = '';
        p.stderr!.on('data', (d: Buffer) => ((log += d.toString()), / running/.test(log) && resolve()));
        p.once('exit', (code) => reject(new Error(`mosquitto exited with ${code}: ${log}`)));
      }), 'mosquitto running');

      siteFleet = await Fleet.connect({ url, site, mqtt: { protocolVersion: 5, tls: tls('backend') } });
      integrator = await Fleet.connect({ url, site, mqtt: { protocolVersion: 5, tls: tls('backend/crm') } });
      terminal = await mqtt.connectAsync(url, { ...tls('terminals/A'), clientId: 'A', reconnectPeriod: 0, protocolVersion: 5, connectTimeout: 5000 });
      const seenByTerminal: string[] = [];
      terminal.on('message', (t) => seenByTerminal.push(t));
      // SUBACK may grant what the ACL then filters: what arrives is what counts.
      await terminal.subscribeAsync([`limen/v1/${site}/_alerts/#`, `limen/v1/${site}/A/#`], { qos: 1 });

      const got: ReceivedAlert[] = [];
      const waiters: Array<() => void> = [];
      integrator.alerts.on((a) => (got.push(a), waiters.shift()?.()));
      await integrator.alerts.whenSubscribed();
      const next = () => guard(new Promise<void>((resolve) => waiters.push(resolve)), 'an alert at the integrator');

      // The terminal forges one: MQTT 5 answers PUBACK "not authorized", and nothing arrives.
      const forged = await terminal.publishAsync(topics.alert(site, 'critical', 'fire'), encode(makeMessage({ ts: Date.now() }, alert(1))), { qos: 1 }).then(() => null, (e: Error) => e);
      assert.match(String(forged?.message), /not authorized/i);

      const arrived = next();
      await siteFleet.alerts.publish(alert(2));
      await arrived;
      assert.equal(got.map((g) => g.alert.id), [2]);

      // A marker to the terminal (a third backend certificate: the CN is the client id), after the alert was routed: once it is there, the alert would have been too.
      const marker = guard(new Promise<void>((resolve) => terminal!.on('message', (t) => t.endsWith('/A/cmd/unlock') && resolve())), 'the marker');
      await mqtt.connectAsync(url, { ...tls('backend/ops'), reconnectPeriod: 0, protocolVersion: 5 }).then(async (c) => {
        await c.publishAsync(`limen/v1/${site}/A/cmd/unlock`, 'marker', { qos: 1 });
        await c.endAsync();
      });
      await marker;
      assert.equal(seenByTerminal, [`limen/v1/${site}/A/cmd/unlock`]);
    } finally {
      await terminal?.endAsync(true).catch(() => undefined);
      await integrator?.close();
      await siteFleet?.close();
      if (broker && broker.exitCode === null) await new Promise<void>((r) => (broker!.once('exit', () => r()), broker!.kill('SIGKILL')));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.run();
}
