/**
 * `limen site` (runSite) with a fleet, on aedes, beside whole terminals (sim board, SQLite):
 * schedules and groups edited over HTTP are pushed to the terminals of a zone subtree or of
 * the whole site (`access.rules.set` through the SDK), each terminal's result reported and
 * the push audited; a card of the group is then granted inside its schedule and denied
 * outside it; and the granted in-passage is counted in the zone's occupancy (presence runs
 * in runSite). Each terminal sits in a fixed-offset zone so that its local hour is known.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultConfig } from '../../../firmware/config/index.js';
import { silentLogger } from '../../../firmware/log.js';
import { Terminal } from '../../../firmware/terminal.js';
import type { RunningSite } from '../../../tools/site/cli.js';
import { createStaff, createZone, placeTerminal } from '../../../tools/site/store/index.js';
import { startAedes } from '../../sdk/helpers/brokers.js';
import { guard } from '../../sdk/helpers/wait.js';
import { presentCard, seenOnline, zoneWhereHourIs } from '../../firmware/fleet/helpers/whole-terminals.js';
import { runFleetSite } from './helpers/fleet-site.js';

const PASSWORD = 'a long enough password';

test('POST /api/access-rules/push sets the rules on the terminals of a zone subtree or all, per-terminal results, audited; the card then follows the schedule and its passage is counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-site-rules-'));
  const broker = await startAedes();
  const terminals: Terminal[] = [];
  let site: RunningSite | undefined;
  try {
    const zones = { gate: 0, b3: 0, b4: 0 };
    site = await runFleetSite(dir, broker.url, async (store) => {
      await createStaff(store.db, { username: 'root', role: 'admin', password: PASSWORD });
      zones.gate = (await createZone(store.db, { parentId: null, kind: 'community', name: 'Gate' })).id;
      zones.b3 = (await createZone(store.db, { parentId: zones.gate, kind: 'building', name: 'B3' })).id;
      zones.b4 = (await createZone(store.db, { parentId: zones.gate, kind: 'building', name: 'B4' })).id;
      await placeTerminal(store.db, { id: 'gate-1', zoneId: zones.gate, role: 'gate', direction: 'both' });
      await placeTerminal(store.db, { id: 'b3-door', zoneId: zones.b3, role: 'building-door', direction: 'in' });
      await placeTerminal(store.db, { id: 'b4-door', zoneId: zones.b4, role: 'building-door', direction: 'in' });
      // Placed but never started: its result says why it got nothing.
      await placeTerminal(store.db, { id: 'b4-spare', zoneId: zones.b4, role: 'building-door', direction: 'in' });
    });
    const fleet = site.fleet!;
    const hours: Record<string, number> = { 'gate-1': 10, 'b3-door': 10, 'b4-door': 20 };
    for (const [id, hour] of Object.entries(hours)) {
      const seen = seenOnline(fleet, id);
      const cfg = defaultConfig(id, {
        terminal: { id, timeZone: zoneWhereHourIs(hour) },
        store: { path: join(dir, `${id}.db`) },
        fleet: { url: broker.url, site: 'hq', healthIntervalMs: 60_000 },
      });
      terminals.push(await Terminal.open({ config: cfg, logger: silentLogger() }));
      await guard(seen, `${id} online`);
      await fleet.terminal(id).persons.upsert([{ id: 'cleo', name: 'Cleo', groups: ['cleaners'], credentials: [{ type: 'card', value: '7001' }] }]);
    }
    const [gate, b3, b4] = terminals as [Terminal, Terminal, Terminal];

    const login = await fetch(`${site.url}api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'root', password: PASSWORD }) });
    assert.is(login.status, 200);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${site!.url}${path}`, {
        method,
        headers: { cookie, 'x-csrf-token': csrfToken, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const day = ['08:00-13:00'];
    const weekly = { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day };
    assert.is((await call('PUT', 'api/schedules/daytime', { name: 'Daytime', weekly, holidayIntervals: day })).status, 200);
    assert.is((await call('PUT', 'api/groups/cleaners', { name: 'Cleaners', scheduleId: 'daytime' })).status, 200);

    // A zone subtree: B4 and its terminals only; the one not running is reported, not fatal.
    const sub = await call('POST', 'api/access-rules/push', { zoneId: zones.b4 });
    assert.is(sub.status, 200, JSON.stringify(sub.json));
    const subResults = sub.json.results as Array<{ terminal: string; error: string | null }>;
    assert.equal(subResults.map((r) => [r.terminal, r.error === null]), [['b4-door', true], ['b4-spare', false]]);
    assert.match(subResults[1]!.error!, /offline|OFFLINE/);
    assert.is(b4.access.repository.getGroup('cleaners')?.scheduleId, 'daytime');
    assert.is(gate.access.repository.rulesVersion(), 0, 'outside the subtree: untouched');
    assert.is((await presentCard(b4, '7001')).reason, 'outside-schedule');

    // The whole site.
    const all = await call('POST', 'api/access-rules/push', {});
    const allResults = all.json.results as Array<{ terminal: string; error: string | null }>;
    assert.equal(allResults.map((r) => [r.terminal, r.error === null]).sort(), [['b3-door', true], ['b4-door', true], ['b4-spare', false], ['gate-1', true]]);
    assert.ok(b4.access.repository.rulesVersion() > 0);
    assert.is(gate.access.repository.getGroup('cleaners')?.scheduleId, 'daytime');
    assert.is((await presentCard(gate, '7001')).type, 'access.granted');
    assert.is((await presentCard(b4, '7001')).type, 'access.denied');

    const audited = await site.store.db.selectFrom('audit').select(['action', 'subject', 'detail', 'username']).where('action', '=', 'access-rules.push').orderBy('id').execute();
    assert.equal(
      audited.map((a) => [a.username, a.subject, JSON.parse(a.detail!)]),
      [
        ['root', `zone:${zones.b4}`, { terminals: ['b4-door', 'b4-spare'], failed: ['b4-spare'] }],
        ['root', null, { terminals: allResults.map((r) => r.terminal), failed: ['b4-spare'] }],
      ],
    );
    // Bad input at the edge: both a zone and terminals, an unknown zone.
    assert.is((await call('POST', 'api/access-rules/push', { zoneId: zones.b3, terminals: ['b3-door'] })).status, 400);
    assert.is((await call('POST', 'api/access-rules/push', { zoneId: 9999 })).status, 404);

    // Presence runs in runSite: the granted passage in at B3 puts Cleo inside B3.
    assert.is((await presentCard(b3, '7001')).type, 'access.granted');
    const inB3 = async () => {
      const occ = (await call('GET', 'api/occupancy')).json.zones as Array<{ zoneId: number; residents: number; visitors: number; unknown: number }>;
      const z = occ.find((o) => o.zoneId === zones.b3)!;
      return z.residents + z.visitors + z.unknown;
    };
    await guard(
      (async () => {
        // The ingest acknowledges before presence has applied the event: ask until it has.
        while ((await inB3()) !== 1) await new Promise((r) => setImmediate(r));
      })(),
      'B3 occupancy 1',
    );
  } finally {
    await site?.stop();
    for (const t of terminals) await t.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
