import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { provisionFleet } from '../../../tools/pki/provision.js';
import { loadFleetKeys, loadSigner } from '../../../firmware/security/fleet-keys.js';
import { createCa, issueCert } from '../../../tools/pki/pki.js';
import { unlockAgent } from '../../firmware/fleet/helpers/unlock-agent.js';
import { Fleet } from '../../../sdk/src/index.js';
import { makeRequest, signMessage } from '../../../sdk/src/protocol/index.js';
import { freePort, hasMosquitto } from '../../sdk/helpers/brokers.js';
import { guard } from '../../sdk/helpers/wait.js';

const haveOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
const isRoot = userInfo().uid === 0;
const brokerUser = isRoot && spawnSync('id', ['-u', 'mosquitto'], { stdio: 'ignore' }).status === 0 ? 'mosquitto' : undefined;

if (!haveOpenssl) {
  console.log('skipped: provision tests (openssl not installed)');
} else {
  const site = 's1';
  const dir = mkdtempSync(join(tmpdir(), 'limen-prov-'));
  const out = join(dir, 'fleet');
  const isBlockedNote = (n: string) => n.startsWith(dir) && n.includes('not searchable');
  let port = 0;
  let broker: ChildProcess | null = null;
  const clients: MqttClient[] = [];

  test.before(async () => {
    port = await freePort();
  });

  test.after(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    if (broker && broker.exitCode === null) {
      await new Promise<void>((r) => {
        broker!.once('exit', () => r());
        broker!.kill('SIGKILL');
      });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const mode = (p: string) => statSync(p).mode & 0o777;

  test('provision writes CA, per-terminal certs, backend cert, signing key; private keys are 0600', () => {
    const r = provisionFleet({ outDir: out, site, terminals: ['A', 'B'], brokerPort: port, brokerBind: '127.0.0.1', brokerUser });
    assert.ok(r.caCreated);
    // mkdtemp makes a 0700 directory: Mosquitto could not reach its files after dropping privileges.
    if (brokerUser) assert.ok(r.notes.some(isBlockedNote), r.notes.join('\n'));
    chmodSync(dir, 0o755);
    assert.equal(r.issued, ['A', 'B']);
    for (const k of ['ca/ca.key', 'broker/broker.key', 'terminals/A/client.key', 'terminals/B/client.key', 'backend/client.key', 'backend/signing-key.pem']) {
      assert.is(mode(join(out, k)), 0o600, k);
    }
    const subject = spawnSync('openssl', ['x509', '-in', join(out, 'terminals/A/client.crt'), '-noout', '-subject'], { encoding: 'utf8' }).stdout;
    assert.match(subject, /CN\s*=\s*A\b/);
    const verify = spawnSync('openssl', ['verify', '-CAfile', join(out, 'ca/ca.crt'), join(out, 'terminals/B/client.crt')], { encoding: 'utf8' });
    assert.is(verify.status, 0, verify.stderr);
    const acl = readFileSync(join(out, 'broker/acl'), 'utf8');
    assert.match(acl, /pattern readwrite limen\/v1\/s1\/%u\/#/);
    assert.not.match(acl, /%c/);
    // The client id is the certificate CN: nobody can present another terminal's.
    assert.match(readFileSync(join(out, 'broker/mosquitto.conf'), 'utf8'), /^use_username_as_clientid true$/m);
    // Terminals trust the backend's signing key.
    const signer = loadSigner(join(out, 'backend/signing-key.pem'));
    assert.ok(loadFleetKeys(join(out, 'terminals/A/fleet-keys.json')).has(signer.kid));
  });

  test('re-running keeps issued terminals, adds new ones; rotation trusts old and new, retire drops the old', () => {
    const certA = readFileSync(join(out, 'terminals/A/client.crt'), 'utf8');
    const first = loadSigner(join(out, 'backend/signing-key.pem')).kid;
    const r = provisionFleet({ outDir: out, site, terminals: ['A', 'B', 'C'], brokerPort: port, brokerBind: '127.0.0.1', brokerUser, rotateSigningKey: true });
    assert.not.ok(r.caCreated);
    assert.equal(r.issued, ['C']);
    assert.equal(r.kept, ['A', 'B']);
    assert.is(readFileSync(join(out, 'terminals/A/client.crt'), 'utf8'), certA);
    assert.is.not(r.signingKid, first);
    assert.equal(new Set(r.trustedKids), new Set([first, r.signingKid]));
    const r2 = provisionFleet({ outDir: out, site, terminals: ['A', 'B', 'C'], brokerPort: port, brokerBind: '127.0.0.1', brokerUser, retireKeys: [first] });
    assert.equal(r2.trustedKids, [r.signingKid]);
    assert.not.ok(r2.notes.some(isBlockedNote), r2.notes.join('\n'));
    assert.not.ok(loadFleetKeys(join(out, 'terminals/C/fleet-keys.json')).has(first));
  });

  if (!hasMosquitto()) {
    console.log('skipped: provision broker tests (mosquitto not installed)');
  } else {
    const tls = (who: string) => ({
      ca: readFileSync(join(out, 'broker/ca.crt')),
      cert: readFileSync(join(out, who, 'client.crt')),
      key: readFileSync(join(out, who, 'client.key')),
    });
    /** Terminal `id`'s agent with its provisioned certificate and fleet keys (not started). */
    const terminalAgent = (id: string, unlocks: number[]) =>
      unlockAgent({
        site,
        terminalId: id,
        mqtt: { url: `mqtts://127.0.0.1:${port}`, protocolVersion: 5, tls: tls(`terminals/${id}`) },
        trustedKeys: loadFleetKeys(join(out, `terminals/${id}/fleet-keys.json`)),
        unlocks,
      });
    const connect = async (who: string, clientId: string): Promise<MqttClient> => {
      const c = await mqtt.connectAsync(`mqtts://127.0.0.1:${port}`, { ...tls(who), clientId, reconnectPeriod: 0, protocolVersion: 5, connectTimeout: 5000 });
      clients.push(c);
      return c;
    };
    const nextMessage = (c: MqttClient, pred: (topic: string) => boolean) =>
      new Promise<string>((resolve) => {
        const on = (topic: string) => {
          if (!pred(topic)) return;
          c.off('message', on);
          resolve(topic);
        };
        c.on('message', on);
      });

    test(`mosquitto starts with the generated config${brokerUser ? ' as root dropping to user mosquitto' : ''}`, async () => {
      const p = spawn('mosquitto', ['-c', join(out, 'broker/mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
      broker = p;
      let log = '';
      await new Promise<void>((resolve, reject) => {
        p.stderr!.on('data', (d: Buffer) => {
          log += d.toString();
          if (/ running/.test(log)) resolve();
        });
        p.once('exit', (code) => reject(new Error(`mosquitto exited with ${code}: ${log}`)));
      });
      assert.not.match(log, /Error/);
    });

    test('terminal A, even with client id "B", neither receives B\'s messages nor publishes as B', async () => {
      const backend = await connect('backend', 'backend-1');
      const b = await connect('terminals/B', 'b-real');
      const a = await connect('terminals/A', 'B');
      const seenByA: string[] = [];
      a.on('message', (t) => seenByA.push(t));
      // SUBACK may grant what the ACL then filters: what arrives is what counts.
      await a.subscribeAsync([`limen/v1/${site}/B/#`, `limen/v1/${site}/+/events`, `limen/v1/${site}/A/#`], { qos: 1 });
      await b.subscribeAsync(`limen/v1/${site}/B/#`, { qos: 1 });
      await backend.subscribeAsync(`limen/v1/${site}/+/events`, { qos: 1 });
      const seenByBackend: string[] = [];
      backend.on('message', (t) => seenByBackend.push(t));

      // B's own traffic: its events (to the backend) and a command for it.
      const bEvent = nextMessage(backend, (t) => t === `limen/v1/${site}/B/events`);
      await b.publishAsync(`limen/v1/${site}/B/events`, 'from B', { qos: 1 });
      await bEvent;
      const bCmd = nextMessage(b, (t) => t === `limen/v1/${site}/B/cmd/unlock`);
      await backend.publishAsync(`limen/v1/${site}/B/cmd/unlock`, 'for B', { qos: 1 });
      await bCmd;
      // A marker for A, published last by the same backend: it arrives after anything sent before it.
      const marker = nextMessage(a, (t) => t === `limen/v1/${site}/A/cmd/unlock`);
      await backend.publishAsync(`limen/v1/${site}/A/cmd/unlock`, 'for A', { qos: 1 });
      await marker;
      assert.equal(seenByA, [`limen/v1/${site}/A/cmd/unlock`]);

      // A publishes into B's subtree, then into its own: only its own reaches the backend.
      const aEvent = nextMessage(backend, (t) => t === `limen/v1/${site}/A/events`);
      // MQTT 5: the broker answers the forged publish with PUBACK reason "not authorized".
      const forged = await a.publishAsync(`limen/v1/${site}/B/events`, 'forged', { qos: 1 }).then(() => null, (e: Error) => e);
      assert.match(String(forged?.message), /not authorized/i);
      await a.publishAsync(`limen/v1/${site}/A/events`, 'from A', { qos: 1 });
      await aEvent;
      assert.equal(seenByBackend, [`limen/v1/${site}/B/events`, `limen/v1/${site}/A/events`]);
    });

    test("terminal A presenting B's client id cannot knock B offline: B stays connected, no offline presence, B still answers", async () => {
      const unlocks: number[] = [];
      const agentB = terminalAgent('B', unlocks);
      let disconnects = 0;
      agentB.onConnectionChange((up) => void (up || disconnects++));
      agentB.start();
      await agentB.whenConnected();
      const backend = await connect('backend', 'backend-attack-watch');
      const presenceB = `limen/v1/${site}/B/presence`;
      const replyTo = `limen/v1/${site}/B/reply/watch`;
      const states: string[] = [];
      const replies = new Map<string, (ok: boolean) => void>();
      backend.on('message', (topic, payload) => {
        const m = JSON.parse(payload.toString()) as { re?: string; ok?: boolean; body?: { state?: string } };
        if (topic === presenceB) states.push(String(m.body?.state));
        else if (m.re) replies.get(m.re)?.(m.ok === true);
      });
      await backend.subscribeAsync([presenceB, replyTo], { qos: 1 });
      try {
        // The attack: A's certificate, B's client id, again and again (each CONNACK comes
        // after the broker dealt with any session of that id).
        for (let i = 0; i < 5; i++) await connect('terminals/A', `limen:${site}:B`);
        // B answers a signed unlock sent after the attack: had it been thrown off, it
        // could only answer on a new connection, after its disconnect was counted.
        const signer = loadSigner(join(out, 'backend/signing-key.pem'));
        const topic = `limen/v1/${site}/B/cmd/unlock`;
        const req = makeRequest({ id: 'after-attack', ts: Date.now(), replyTo, expiresAt: Date.now() + 30_000 }, { durationMs: 1500 });
        const answered = new Promise<boolean>((resolve) => replies.set('after-attack', resolve));
        await backend.publishAsync(topic, JSON.stringify(signMessage(topic, req as unknown as Record<string, unknown>, signer)), { qos: 1 });
        assert.ok(await guard(answered, 'the reply from B'), 'B refused the unlock');
        assert.equal(unlocks, [1500]);
        assert.is(disconnects, 0, 'B was disconnected');
        assert.not.ok(states.includes('offline'), `presence of B: ${states.join(', ')}`);
      } finally {
        await agentB.stop();
      }
    });

    test('a client with a certificate from another CA is refused', async () => {
      const otherCa = createCa({ name: 'other' });
      const leaf = issueCert(otherCa, { cn: 'A' }, 'client');
      const err = await mqtt
        .connectAsync(`mqtts://127.0.0.1:${port}`, { ca: readFileSync(join(out, 'broker/ca.crt')), cert: leaf.certPem, key: leaf.keyPem, clientId: 'imposter', reconnectPeriod: 0, connectTimeout: 5000 })
        .then(
          async (c) => {
            await c.endAsync(true);
            return null;
          },
          (e: Error) => e,
        );
      assert.ok(err, 'connected with a foreign certificate');
    });

    test('end to end: agent and SDK over mutual TLS with the provisioned files; signed unlock works, the ACL lets every fleet topic through', async () => {
      const unlocks: number[] = [];
      const agent = terminalAgent('A', unlocks);
      agent.start();
      await agent.whenConnected();
      const fleet = await Fleet.connect({
        url: `mqtts://127.0.0.1:${port}`,
        site,
        mqtt: { protocolVersion: 5, tls: tls('backend') },
        signer: loadSigner(join(out, 'backend/signing-key.pem')),
      });
      try {
        assert.ok(fleet.terminal('A').info()?.online, 'presence from A reached the backend');
        await fleet.terminal('A').unlock({ durationMs: 2500 });
        assert.equal(unlocks, [2500]);
        assert.is(agent.stats().droppedTotal, 0);
      } finally {
        await fleet.close();
        await agent.stop();
      }
    });

    test('a client without a certificate is refused', async () => {
      const err = await mqtt
        .connectAsync(`mqtts://127.0.0.1:${port}`, { ca: readFileSync(join(out, 'broker/ca.crt')), clientId: 'nocert', reconnectPeriod: 0, connectTimeout: 5000 })
        .then(
          async (c) => {
            await c.endAsync(true);
            return null;
          },
          (e: Error) => e,
        );
      assert.ok(err, 'connected without a certificate');
    });
  }

  test.run();
}
