// `access.rules.set` end to end: the SDK pushes schedules, holidays and groups through
// aedes to whole terminals (sim board, SQLite store); a card of the group is then
// granted inside its schedule and denied outside it. Each terminal sits in a fixed-offset
// time zone chosen so that its local hour is known (10:xx or 20:xx) while the test runs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultConfig, type Config } from '../../../firmware/config/index.js';
import { newSigningKeyPem, trustedEntryFor } from '../../../firmware/security/fleet-keys.js';
import { Fleet, RejectedError } from '../../../sdk/src/index.js';
import { signerFromPem, type CommandRequest } from '../../../sdk/src/protocol/index.js';
import { openOnline, presentCard, setUpFleetTerminals, tearDownFleetTerminals, zoneWhereHourIs, type FleetTerminalsCtx } from './helpers/whole-terminals.js';

type Ctx = FleetTerminalsCtx;

const s = suite<Ctx>('access.rules.set');

function config(ctx: Ctx, id: string, timeZone: string, fleet: Record<string, unknown> = {}): Config {
  return defaultConfig(id, {
    terminal: { id, timeZone },
    store: { path: join(ctx.dir, `${id}.db`) },
    fleet: { url: ctx.broker.url, site: 'hq', healthIntervalMs: 60_000, ...fleet },
  });
}

const DAYTIME = ['08:00-13:00'];
const rules = (version: number): CommandRequest<'access.rules.set'> => ({
  version,
  schedules: [{ id: 'daytime', name: 'Daytime', weekly: { mon: DAYTIME, tue: DAYTIME, wed: DAYTIME, thu: DAYTIME, fri: DAYTIME, sat: DAYTIME, sun: DAYTIME }, holidayIntervals: DAYTIME }],
  holidays: [{ date: '2030-01-01', name: 'New Year' }],
  groups: [{ id: 'cleaners', name: 'Cleaners', scheduleId: 'daytime' }],
});

s.before((ctx) => setUpFleetTerminals(ctx, 'limen-access-rules-'));
s.after(tearDownFleetTerminals);

s('after the push a card of the group is granted inside its schedule and denied outside it; a version is applied once', async (ctx) => {
  const morning = await openOnline(ctx, config(ctx, 'door-am', zoneWhereHourIs(10)));
  const evening = await openOnline(ctx, config(ctx, 'door-pm', zoneWhereHourIs(20)));
  for (const id of ['door-am', 'door-pm']) {
    await ctx.fleet.terminal(id).persons.upsert([{ id: 'cleo', name: 'Cleo', groups: ['cleaners'], credentials: [{ type: 'card', value: '7001' }] }]);
  }
  // Before any rules: the group the upsert created is open at all times.
  assert.is((await presentCard(evening, '7001')).type, 'access.granted');

  assert.equal(await ctx.fleet.terminal('door-am').accessRules.set(rules(5)), { version: 5, applied: true });
  assert.equal(await ctx.fleet.terminal('door-pm').accessRules.set(rules(5)), { version: 5, applied: true });
  const repo = evening.access.repository;
  assert.is(repo.getGroup('cleaners')?.scheduleId, 'daytime');
  assert.equal(repo.listHolidays(), [{ date: '2030-01-01', name: 'New Year' }]);
  assert.is(repo.rulesVersion(), 5);

  const inside = await presentCard(morning, '7001');
  assert.is(inside.type, 'access.granted');
  assert.is(inside.personId, 'cleo');
  const outside = await presentCard(evening, '7001');
  assert.is(outside.type, 'access.denied');
  assert.is(outside.reason, 'outside-schedule');

  // The same version again (a retried push) changes nothing, even with other content.
  const again = { ...rules(5), groups: [{ id: 'cleaners', name: 'Cleaners', scheduleId: null }] };
  assert.equal(await ctx.fleet.terminal('door-pm').accessRules.set(again), { version: 5, applied: false });
  assert.is(repo.getGroup('cleaners')?.scheduleId, 'daytime');
  // A newer version replaces the schedules and holidays.
  assert.equal(await ctx.fleet.terminal('door-pm').accessRules.set({ version: 6, schedules: [], holidays: [], groups: again.groups }), { version: 6, applied: true });
  assert.equal(repo.listSchedules(), []);
  assert.equal(repo.listHolidays(), []);
  assert.is((await presentCard(evening, '7001')).type, 'access.granted');
});

s('a bad rule set is refused with a code and changes nothing', async (ctx) => {
  const terminal = await openOnline(ctx, config(ctx, 'door-bad', 'UTC'));
  const t = ctx.fleet.terminal('door-bad');
  await t.accessRules.set(rules(1));
  const repo = terminal.access.repository;
  const before = { schedules: repo.listSchedules(), groups: repo.listGroups(), holidays: repo.listHolidays() };

  // Sent as is (past the SDK's own check): the terminal's edge refuses it.
  const dangling = { ...rules(2), groups: [{ id: 'night', name: 'Night', scheduleId: 'nope' }] };
  const bad = await ctx.fleet.request('door-bad', 'access.rules.set', dangling, { validated: true }).catch((e: unknown) => e);
  assert.instance(bad, RejectedError);
  assert.is((bad as RejectedError).code, 'BAD_REQUEST');
  assert.match((bad as RejectedError).message, /groups\.0\.scheduleId/);
  const interval = { ...rules(2), schedules: [{ ...rules(2).schedules[0]!, weekly: { mon: ['18:00-06:00'] } }] };
  const reversed = await ctx.fleet.request('door-bad', 'access.rules.set', interval, { validated: true }).catch((e: unknown) => e);
  assert.is((reversed as RejectedError).code, 'BAD_REQUEST');
  // The SDK checks before sending too.
  const local = await t.accessRules.set(dangling).catch((e: unknown) => e);
  assert.instance(local, TypeError);
  assert.match((local as Error).message, /groups\.0\.scheduleId/);

  // A group the set does not name still uses a schedule the set drops: REJECTED, nothing changed.
  const dropped = await t.accessRules.set({ version: 3, schedules: [], holidays: [], groups: [] }).catch((e: unknown) => e);
  assert.is((dropped as RejectedError).code, 'REJECTED');
  assert.match((dropped as RejectedError).message, /cleaners/);
  assert.equal({ schedules: repo.listSchedules(), groups: repo.listGroups(), holidays: repo.listHolidays() }, before);
  assert.is(repo.rulesVersion(), 1);
});

s('with fleet.trustedKeys the rules are set only by a signed request', async (ctx) => {
  const pem = newSigningKeyPem();
  const keys = join(ctx.dir, 'fleet-keys.json');
  writeFileSync(keys, JSON.stringify({ keys: [trustedEntryFor(pem)] }));
  const terminal = await openOnline(ctx, config(ctx, 'door-signed', 'UTC', { trustedKeys: keys }));
  const unsigned = await ctx.fleet.terminal('door-signed').accessRules.set(rules(1)).catch((e: unknown) => e);
  assert.is((unsigned as RejectedError).code, 'SIGNATURE_MISSING');
  assert.is(terminal.access.repository.rulesVersion(), 0);
  const signed = await Fleet.connect({ url: ctx.broker.url, site: 'hq', signer: signerFromPem(pem) });
  try {
    assert.equal(await signed.terminal('door-signed').accessRules.set(rules(1)), { version: 1, applied: true });
  } finally {
    await signed.close();
  }
});

s.run();
