/**
 * A terminal whose clock lags the site's shows it: `limen site` (runSite) measures each
 * terminal's clock offset from its live health reports (site clock minus the report's
 * `ts`) and returns it in /api/occupancy's and /api/terminals' terminal status, so a
 * drifting terminal is seen before its commands start failing as EXPIRED/CLOCK_SKEW.
 * A whole terminal (sim board, SQLite) on aedes; the site's clock is a fake one set 12 s
 * ahead of the terminal's (the system clock).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultConfig } from '../../../firmware/config/index.js';
import { silentLogger } from '../../../firmware/log.js';
import { Terminal } from '../../../firmware/terminal.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import type { RunningSite } from '../../../tools/site/cli.js';
import { createStaff, createZone, placeTerminal } from '../../../tools/site/store/index.js';
import { startAedes } from '../../sdk/helpers/brokers.js';
import { guard } from '../../sdk/helpers/wait.js';
import { runFleetSite } from './helpers/fleet-site.js';

const PASSWORD = 'a long enough password';
const AHEAD = 12_000;

test("the site shows each terminal's clock offset from its health reports in /api/occupancy and /api/terminals", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-site-clock-'));
  const broker = await startAedes();
  let terminal: Terminal | undefined;
  let site: RunningSite | undefined;
  try {
    let zoneId = 0;
    const siteClock = new FakeClock(Date.now() + AHEAD);
    site = await runFleetSite(
      dir,
      broker.url,
      async (store) => {
        await createStaff(store.db, { username: 'root', role: 'admin', password: PASSWORD });
        zoneId = (await createZone(store.db, { parentId: null, kind: 'community', name: 'Gate' })).id;
        await placeTerminal(store.db, { id: 'gate-1', zoneId, role: 'gate', direction: 'both' });
      },
      { clock: siteClock },
    );
    const fleet = site.fleet!;
    const login = await fetch(`${site.url}api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'root', password: PASSWORD }) });
    assert.is(login.status, 200);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const get = async (path: string) => (await (await fetch(`${site!.url}${path}`, { headers: { cookie } })).json()) as Record<string, unknown>;
    const statusOf = async () => {
      const occ = (await get('api/occupancy')) as { zones: Array<{ zoneId: number; terminals: Array<{ id: string; clockOffsetMs: number | null }> }> };
      return occ.zones.find((z) => z.zoneId === zoneId)!.terminals.find((t) => t.id === 'gate-1')!;
    };
    assert.is((await statusOf()).clockOffsetMs, null, 'no health report yet');

    const health = new Promise<number>((resolve) => {
      const off = fleet.onHealth((h) => h.terminal === 'gate-1' && (off(), resolve(h.ts)));
    });
    const cfg = defaultConfig('gate-1', { store: { path: join(dir, 'gate-1.db') }, fleet: { url: broker.url, site: 'hq', healthIntervalMs: 60_000 } });
    terminal = await Terminal.open({ config: cfg, logger: silentLogger() });
    const ts = await guard(health, 'a health report from gate-1');

    // The site's clock stood still at start + 12 s; the terminal stamped its report later than start.
    const offset = (await statusOf()).clockOffsetMs;
    assert.is(offset, siteClock.now() - ts);
    assert.ok(offset! > 2000 && offset! <= AHEAD, `offset ${offset}`);
    const list = (await get('api/terminals')) as { terminals: Array<{ id: string; clockOffsetMs: number | null }> };
    assert.is(list.terminals.find((t) => t.id === 'gate-1')!.clockOffsetMs, offset);
  } finally {
    await terminal?.close();
    await site?.stop();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
