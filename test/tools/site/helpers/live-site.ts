/**
 * A site server on a real socket fed by a real fleet agent ('gate-1' on site 'demo')
 * through aedes, the SDK and the ingest; plus the WebSocket and login helpers the live
 * tests share.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import type WebSocket from 'ws';
import { Fleet } from '@limen/sdk';
import { startIngest } from '../../../../tools/site/ingest.js';
import { buildSiteServer } from '../../../../tools/site/server/index.js';
import { openSiteStore, type SiteStore } from '../../../../tools/site/store/index.js';
import { startAedes } from '../../../sdk/helpers/brokers.js';
import { startTerminal } from '../../../sdk/helpers/terminal.js';
import { guard } from '../../../sdk/helpers/wait.js';

export const PASSWORD = 'a long enough password';

export interface LiveSiteOptions {
  dirPrefix: string;
  /** The server's clock (sessions). */
  now?: () => number;
  /** Staff, zones and placements, before the server starts. */
  prepare: (store: SiteStore) => Promise<void>;
}

/** Starts it all and waits until the fleet consumes and the agent is connected. */
export async function startLiveSite(o: LiveSiteOptions) {
  const dir = mkdtempSync(join(tmpdir(), o.dirPrefix));
  const store = await openSiteStore(join(dir, 'site.db'));
  const broker = await startAedes();
  const terminal = startTerminal(broker, { site: 'demo', id: 'gate-1' });
  const fleet = await Fleet.connect({ url: broker.url, site: 'demo' });
  const ingest = startIngest({ store, fleet });
  const close = async () => {
    await app?.close();
    ingest.stop();
    await fleet.close();
    await terminal.agent.stop();
    await broker.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  let app: Awaited<ReturnType<typeof buildSiteServer>> | undefined;
  try {
    await o.prepare(store);
    app = await buildSiteServer({ store, secret: Buffer.alloc(32, 1), fleet, ingest, ...(o.now && { now: o.now }) });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    await fleet.whenConsuming();
    await terminal.agent.whenConnected();
    return { store, terminal, fleet, base, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Logs `username` in with PASSWORD: the session cookie and CSRF token. */
export async function login(base: string, username: string): Promise<{ cookie: string; csrfToken: string }> {
  const res = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }) });
  assert.is(res.status, 200);
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { cookie: res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), csrfToken };
}

export function opened(ws: WebSocket): Promise<void> {
  return guard(
    new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
    'socket open',
  );
}
