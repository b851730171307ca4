// `limen sim --config FILE` (one terminal) through the real CLI process: the same pages
// as the demo (terminal page with the control panel beside it), and with --mqtt-port
// an MQTT broker in the process, the terminal on it and the fleet console. A port that
// is already taken is named in one line, exit 2, for `limen sim` and `limen run`.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { topics } from '../../sdk/src/protocol/index.js';
import { login } from './site/console/login.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'limen-sim1-'));
const running = new Set<ChildProcess>();

function writeConfig(name: string, extra: object = {}): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ version: 1, terminal: { id: name, name: 'Side door', site: 'maple' }, store: { path: join(dir, `${name}.db`) }, panel: { host: '127.0.0.1', port: 0 }, ...extra }));
  return path;
}

function limen(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'tools/limen.ts'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LIMEN_LOG_LEVEL: 'warn' } });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

/** Reads the printed lines up to the control panel's, as `name: url`. */
async function urlsOf(child: ChildProcess): Promise<Map<string, string>> {
  const urls = new Map<string, string>();
  for await (const line of createInterface({ input: child.stdout! })) {
    const m = /^(.+?): ((?:http|mqtt):\/\/\S+)/.exec(line);
    if (m) urls.set(m[1]!, m[2]!);
    const login = /^Site login: (\S+) \/ (\S+)/.exec(line);
    if (login) urls.set('Site login', `${login[1]} ${login[2]}`);
    if (line.startsWith('Control panel:')) return urls;
  }
  throw new Error('limen sim exited before printing its URLs');
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

async function holdPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

test('one terminal gets the terminal page and its control panel; no broker without --mqtt-port', async () => {
  const sim = limen(['--config', writeConfig('side-1'), 'sim']);
  const urls = await urlsOf(sim.child);
  assert.not.ok(urls.has('MQTT broker'));
  assert.not.ok(urls.has('Site'));
  const page = urls.get('Terminal side-1')!;
  assert.match(page, /\/sim$/);
  const html = await (await fetch(page)).text();
  const panel = urls.get('Control panel')!;
  assert.ok(html.includes(JSON.stringify(panel).slice(1, -1)), 'the terminal page embeds the control panel');
  assert.match(await (await fetch(panel)).text(), /Limen sim board/);
  const view = (await (await fetch(page.replace(/sim$/, 'api/view'))).json()) as { view: { title: string } };
  assert.is(view.view.title, 'Side door');
  await stop(sim.child);
});

test('--mqtt-port starts a broker in the process: the terminal joins it and shows in the site (in memory, login printed)', async () => {
  const sim = limen(['--config', writeConfig('side-2'), 'sim', '--mqtt-port', '0']);
  const urls = await urlsOf(sim.child);
  const broker = urls.get('MQTT broker')!;
  assert.match(broker, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(urls.get('Terminal side-2')?.endsWith('/sim'));
  // The terminal's retained presence on the embedded broker says it is online.
  const client = await mqtt.connectAsync(broker, { reconnectPeriod: 0 });
  const presence = new Promise<string>((resolve) => client.on('message', (_topic, payload) => resolve(String(payload))));
  await client.subscribeAsync(topics.presence('maple', 'side-2'));
  assert.match(await presence, /"state":"online"/);
  await client.endAsync();
  // The site lists it (its fleet is on the same broker), to the admin whose login was printed.
  const siteUrl = urls.get('Site')!;
  const [username, password] = urls.get('Site login')!.split(' ');
  const session = await login(siteUrl, username!, password!);
  let seen: Array<{ id: string; online: boolean | null }> = [];
  for (let i = 0; i < 200 && !seen.some((t) => t.id === 'side-2' && t.online); i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 50));
    seen = ((await (await fetch(`${siteUrl}api/terminals`, { headers: session })).json()) as { terminals: typeof seen }).terminals;
  }
  assert.ok(seen.some((t) => t.id === 'side-2' && t.online), JSON.stringify(seen));
  await stop(sim.child);
});

test('a taken port is named in one line and exits 2: limen sim (panel, broker) and limen run (kiosk)', async () => {
  const held = await holdPort();
  try {
    const panelBusy = limen(['--config', writeConfig('busy-1'), 'sim', '--port', String(held.port)]);
    assert.is(await panelBusy.exited, 2);
    assert.is(panelBusy.stderr(), `limen: port ${held.port} (control panel) is already in use\n`);

    const brokerBusy = limen(['--config', writeConfig('busy-2'), 'sim', '--mqtt-port', String(held.port)]);
    assert.is(await brokerBusy.exited, 2);
    assert.is(brokerBusy.stderr(), `limen: port ${held.port} (MQTT broker) is already in use\n`);

    const demoBusy = limen(['sim', '--no-face', '--dir', join(dir, 'demo'), '--mqtt-port', String(held.port)]);
    assert.is(await demoBusy.exited, 2);
    assert.is(demoBusy.stderr(), `limen: port ${held.port} (MQTT broker) is already in use\n`);

    const runBusy = limen(['--config', writeConfig('busy-3', { panel: { host: '127.0.0.1', port: held.port } }), 'run']);
    assert.is(await runBusy.exited, 2);
    assert.is(runBusy.stderr(), `limen run: PORT_IN_USE: port ${held.port} (kiosk) is already in use\n`);
  } finally {
    held.server.close();
  }
});

test.after(async () => {
  for (const child of running) await stop(child);
  rmSync(dir, { recursive: true, force: true });
});
test.run();
