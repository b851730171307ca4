/**
 * Replays against a real terminal (`limen run` in its own process, signed mode)
 * behind the Mosquitto that `limen provision` sets up: a signed unlock accepted,
 * the terminal SIGKILLed and restarted, the same bytes sent again must not open
 * the door; a request dated ahead of the terminal's clock is refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadSigner } from '../../../firmware/security/fleet-keys.js';
import { Store } from '../../../firmware/store/index.js';
import { makeRequest, signMessage, topics, type PresenceBody, type ReplyEnvelope } from '../../../sdk/src/protocol/index.js';
import { guard } from '../../sdk/helpers/wait.js';
import { missing, startProvisionedBroker, type ProvisionedBroker } from '../security/helpers/provisioned-broker.js';

const absent = missing();
if (absent) {
  console.log(`skipped: ${absent} not installed`);
} else {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const SITE = 's1';
  const T = 'door-1';
  const dir = mkdtempSync(join(tmpdir(), 'limen-replay-restart-'));
  const db = join(dir, 'terminal.db');
  let broker: ProvisionedBroker;
  let backend: MqttClient;
  let terminal: ChildProcess | null = null;
  const replies = new Map<string, (r: ReplyEnvelope) => void>();
  const presence: PresenceBody[] = [];
  let presenceWaiters: Array<{ match: (p: PresenceBody) => boolean; resolve: () => void }> = [];
  const REPLY_TO = topics.reply(SITE, T, 'attacker');
  let configPath = '';

  /** Resolves on the next presence message (after this call) that matches. */
  const nextPresence = (match: (p: PresenceBody) => boolean) => new Promise<void>((resolve) => presenceWaiters.push({ match, resolve }));

  function startTerminal(): ChildProcess {
    const p = spawn(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), 'run', '--config', configPath], {
      cwd: root,
      env: { ...process.env, LIMEN_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: p.stdout! }).on('line', () => undefined);
    p.stderr!.resume();
    terminal = p;
    return p;
  }

  const exited = (p: ChildProcess) => new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));

  /** Stops the running terminal cleanly (SIGTERM), if one runs. */
  async function stopTerminal(): Promise<void> {
    const p = terminal;
    terminal = null;
    if (!p) return;
    p.kill('SIGTERM');
    await exited(p);
  }

  test.before(async () => {
    broker = await startProvisionedBroker(SITE, [T]);
    const t = join(broker.out, 'terminals', T);
    configPath = join(dir, 'limen.config.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        version: 1,
        terminal: { id: T, name: 'Replay door' },
        board: 'sim',
        store: { path: db },
        panel: { host: '127.0.0.1', port: 0 },
        fleet: {
          url: broker.url,
          site: SITE,
          protocolVersion: 5,
          tls: { ca: join(t, 'ca.crt'), cert: join(t, 'client.crt'), key: join(t, 'client.key') },
          trustedKeys: join(t, 'fleet-keys.json'),
        },
      }),
    );
    backend = await mqtt.connectAsync(broker.url, { ...broker.tls('backend'), clientId: 'attacker', reconnectPeriod: 0, protocolVersion: 5 });
    backend.on('message', (topic, payload) => {
      const msg = JSON.parse(payload.toString()) as { body: unknown; re?: string };
      if (topic === topics.presence(SITE, T)) {
        const p = msg.body as PresenceBody;
        presence.push(p);
        const ready = presenceWaiters.filter((w) => w.match(p));
        presenceWaiters = presenceWaiters.filter((w) => !w.match(p));
        for (const w of ready) w.resolve();
        return;
      }
      const r = msg as unknown as ReplyEnvelope;
      replies.get(r.re)?.(r);
    });
    await backend.subscribeAsync([topics.presence(SITE, T), REPLY_TO], { qos: 1 });
  });

  test.after(async () => {
    if (terminal) {
      terminal.kill('SIGKILL');
      await exited(terminal);
    }
    await backend?.endAsync(true);
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const signer = () => loadSigner(join(broker.out, 'backend/signing-key.pem'));
  let n = 0;
  function signedUnlock(o: { ts?: number; expiresAt?: number } = {}): Buffer {
    const ts = o.ts ?? Date.now();
    const req = makeRequest({ id: `attack-${++n}`, ts, replyTo: REPLY_TO, expiresAt: o.expiresAt ?? ts + 30_000 }, { durationMs: 1000 });
    return Buffer.from(JSON.stringify(signMessage(topics.command(SITE, T, 'unlock'), req as unknown as Record<string, unknown>, signer())));
  }
  async function send(bytes: Buffer): Promise<string> {
    const id = (JSON.parse(bytes.toString()) as { id: string }).id;
    const reply = new Promise<ReplyEnvelope>((resolve) => replies.set(id, resolve));
    await backend.publishAsync(topics.command(SITE, T, 'unlock'), bytes, { qos: 1 });
    const r = await guard(reply, `reply to ${id}`);
    return r.ok ? 'OK' : r.error.code;
  }
  /** Remote unlocks the terminal logged (read once it has stopped). */
  function remoteUnlocks(): number {
    const store = Store.open({ path: db, terminalId: T });
    try {
      return store.events.query({ limit: 1000 }).filter((e) => e.type === 'door.unlocked' && (e.data as { source?: string } | null)?.source === 'remote').length;
    } finally {
      store.close();
    }
  }

  for (const [label, skewMs] of [
    ['in step with the terminal', 0],
    ['4 s ahead (inside the skew)', 4000],
  ] as const) {
    test(`a signed unlock from a backend ${label}, accepted, is refused as REPLAYED after SIGKILL and restart`, async () => {
      await stopTerminal();
      const online = nextPresence((p) => p.state === 'online');
      startTerminal();
      await guard(online, 'terminal online', 60_000);
      const bytes = signedUnlock({ ts: Date.now() + skewMs });
      assert.is(await send(bytes), 'OK');

      const lost = nextPresence((p) => p.state === 'offline');
      const killed = terminal!;
      killed.kill('SIGKILL');
      await exited(killed);
      await guard(lost, 'last will after SIGKILL', 30_000);

      const back = nextPresence((p) => p.state === 'online');
      startTerminal();
      await guard(back, 'terminal online again', 60_000);
      assert.is(await send(bytes), 'REPLAYED');
      // A fresh request still works after the restart.
      assert.is(await send(signedUnlock({ ts: Date.now() + skewMs })), 'OK');
    });
  }

  test('requests dated 20 s or 10 min ahead of the terminal are refused as CLOCK_SKEW', async () => {
    assert.is(await send(signedUnlock({ ts: Date.now() + 20_000 })), 'CLOCK_SKEW');
    assert.is(await send(signedUnlock({ ts: Date.now() + 600_000 })), 'CLOCK_SKEW');
  });

  test('the door opened once per accepted request, never for a replay or a future-dated one', async () => {
    await stopTerminal();
    assert.is(remoteUnlocks(), 4);
  });

  test.run();
}
