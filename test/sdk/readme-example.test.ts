/**
 * The SDK example of README.md, taken from the README itself (the first ```ts block of
 * "## Fleet SDK") and run as a backend would run it, against a real terminal — the
 * firmware's `Terminal` on the sim board with its SQLite store, `door-1` in fleet
 * group `lobby` — over Mosquitto (aedes when Mosquitto is not installed). Only the
 * broker URL is substituted; `db` and `console` are the test's.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultConfig } from '../../firmware/config/index.js';
import { silentLogger } from '../../firmware/log.js';
import { FLEET_GALLERY_VERSION_KEY } from '../../firmware/store/index.js';
import { Terminal } from '../../firmware/terminal.js';
import { Fleet, type FleetEvent } from '../../sdk/src/index.js';
import { hasMosquitto, startAedes, startMosquitto } from './helpers/brokers.js';
import { guard } from './helpers/wait.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The example as the README shows it. */
function readmeExample(): string {
  const section = README.slice(README.indexOf('## Fleet SDK'));
  const block = /```ts\n([\s\S]*?)\n```/.exec(section);
  assert.ok(block, 'the Fleet SDK section has a ts block');
  return block![1]!;
}

interface Harness {
  db: { insert(e: FleetEvent): Promise<void> };
  console: { log(...a: unknown[]): void; warn(...a: unknown[]): void };
}

test('README: the Fleet SDK example runs as written against a sim terminal over a real broker', async () => {
  const code = readmeExample();
  assert.ok(code.includes("url: 'mqtt://broker:1883'"), 'the example names a broker URL to substitute');
  const broker = hasMosquitto() ? await startMosquitto() : await startAedes();
  if (broker.name === 'aedes') console.log('mosquitto not installed: the README example runs on aedes');
  const dir = mkdtempSync(join(tmpdir(), 'limen-readme-'));
  const watcher = await Fleet.connect({ url: broker.url, site: 'hq' });
  let terminal: Terminal | null = null;
  try {
    const online = new Promise<void>((resolve) => watcher.onPresence((p) => p.terminal === 'door-1' && p.online && resolve()));
    terminal = await Terminal.open({
      config: defaultConfig('door-1', {
        store: { path: join(dir, 'door-1.db') },
        fleet: { url: broker.url, site: 'hq', groups: ['lobby'], healthIntervalMs: 60_000 },
      }),
      logger: silentLogger(),
    });
    await guard(online, 'door-1 online');

    const out: string[] = [];
    const stored: FleetEvent[] = [];
    const harness: Harness = {
      db: { insert: async (e) => void stored.push(e) },
      console: { log: (...a) => void out.push(a.join(' ')), warn: (...a) => void out.push(`warn: ${a.join(' ')}`) },
    };
    (globalThis as { __limenReadme?: Harness }).__limenReadme = harness;
    // Run it as a module of its own: the README's import of '@limen/sdk' resolves to this
    // repository's SDK, and `db`/`console` are the harness's.
    const sdk = import.meta.resolve('@limen/sdk');
    const file = join(dir, 'readme-example.mts');
    writeFileSync(
      file,
      [
        'const { db, console } = (globalThis as any).__limenReadme;',
        code.replace("from '@limen/sdk'", `from ${JSON.stringify(sdk)}`).replace("'mqtt://broker:1883'", JSON.stringify(broker.url)),
      ].join('\n'),
    );
    await import(pathToFileURL(file).href);

    assert.match(out[0]!, /^door-1 online /);
    assert.not.ok(out.some((l) => /offline|refused|warn:/.test(l)), out.join('\n'));
    assert.ok(out.includes('1 / 1'), `gallery progress printed: ${out.join(' | ')}`);
    // What the example did, seen on the terminal.
    const t = terminal;
    const [unlocked] = t.store.events.query({ type: 'door.unlocked', order: 'desc', limit: 1 });
    assert.is((unlocked?.data as { source?: string } | null)?.source, 'remote');
    assert.is(t.access.repository.findCredential('card', '10042')?.personId, 'emp-1042');
    assert.is(t.access.repository.getPerson('emp-1042')?.name, 'Ada Lovelace');
    assert.is(t.store.meta.getInt(FLEET_GALLERY_VERSION_KEY), 7);
    assert.is(t.config.door.unlockMs, 4000, 'the desired config is in force');
    for (const e of stored) assert.is(e.terminal, 'door-1');
  } finally {
    delete (globalThis as { __limenReadme?: Harness }).__limenReadme;
    await terminal?.close();
    await watcher.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
