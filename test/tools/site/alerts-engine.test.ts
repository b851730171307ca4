/**
 * The alert engine, scenario by scenario with a fake clock, on SQLite and PostgreSQL:
 * events are stored as the ingest stores them and handed over as it hands them over
 * (after the commit); each trigger fires in scope and stays silent out of scope
 * (wrong zone, wrong period, wrong list); a stranger seen 10 times in 2 minutes makes
 * one alert; long absence and terminal offline fire on the clock.
 */
import * as assert from 'uvu/assert';
import type { Unsubscribe } from '@limen/sdk';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { RULES_TTL_MS, startAlertEngine, type AlertEngine } from '../../../tools/site/alerts/engine.js';
import type { AlertView } from '../../../tools/site/alerts/view.js';
import type { IngestedEvent } from '../../../tools/site/ingest.js';
import {
  addListMember,
  createPerson,
  createZone,
  insertEvent,
  placeTerminal,
  putAlertList,
  putAlertPeriod,
  putAlertRule,
  type RuleDefinition,
  type SiteStore,
} from '../../../tools/site/store/index.js';
import { onEveryDatabase } from './helpers/databases.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
// Monday 2026-01-05 09:00 UTC.
const START = Date.UTC(2026, 0, 5, 9, 0, 0);

function rule(over: Partial<RuleDefinition>): RuleDefinition {
  return { name: 'r', trigger: 'appears', enabled: true, lists: [], zones: [], terminals: [], periods: [], severity: 'warning', actions: { popup: true, webhooks: [], mqtt: false }, ...over };
}

/** A site: Gate ⊃ B3, and Garage apart; a terminal in each. */
async function site(store: SiteStore) {
  const gate = await createZone(store.db, { parentId: null, kind: 'community', name: 'Gate' });
  const b3 = await createZone(store.db, { parentId: gate.id, kind: 'building', name: 'B3' });
  const garage = await createZone(store.db, { parentId: null, kind: 'other', name: 'Garage' });
  for (const [id, z] of [['gate-1', gate], ['b3-door', b3], ['garage-1', garage]] as const) {
    await placeTerminal(store.db, { id, zoneId: z.id, role: 'gate', direction: 'in' });
  }
  return { gate: gate.id, b3: b3.id, garage: garage.id, zoneOf: { 'gate-1': gate.id, 'b3-door': b3.id, 'garage-1': garage.id } as Record<string, number> };
}

function harness(store: SiteStore, clock: FakeClock, zoneOf: Record<string, number>) {
  const stored = new Set<(e: IngestedEvent) => void>();
  const presence = new Set<(p: { terminal: string; online: boolean }) => void>();
  const engine: AlertEngine = startAlertEngine({
    store,
    clock,
    absenceCheckMs: HOUR,
    source: { onStored: (l): Unsubscribe => (stored.add(l), () => void stored.delete(l)) },
    presence: { onPresence: (l): Unsubscribe => (presence.add(l), () => void presence.delete(l)) },
  });
  const alerts: AlertView[] = [];
  engine.onAlert((a) => alerts.push(a));
  let seq = 0;
  /** Stores the event as the ingest would, then announces it. */
  const event = async (terminal: string, type: string, more: { personId?: string; result?: 'granted' | 'denied'; data?: Record<string, unknown>; ts?: number } = {}) => {
    const e = { terminal, seq: ++seq, ts: more.ts ?? clock.now(), type, result: more.result ?? null, personId: more.personId ?? null, data: more.data ?? null };
    await insertEvent(store.db, e, { zone_id: zoneOf[terminal]!, direction: 'in' }, clock.now());
    const announced: IngestedEvent = { terminal, seq: e.seq, ts: e.ts, type, result: e.result, reason: null, personId: e.personId, credentialType: null, credentialRef: null, zoneId: zoneOf[terminal]!, direction: 'in' };
    for (const l of stored) l(announced);
    await engine.idle();
  };
  const setPresence = async (terminal: string, online: boolean) => {
    for (const l of presence) l({ terminal, online });
    await engine.idle();
  };
  const advance = async (ms: number) => {
    clock.advance(ms);
    await engine.idle();
  };
  return { engine, alerts, event, setPresence, advance };
}

await onEveryDatabase('alert engine', (test, open, _dialect, fresh) => {
  test('appears: a listed person in scope fires with score and liveness; wrong zone, wrong list, wrong period, list zoned elsewhere stay silent', async () => {
    const store = await open();
    const clock = new FakeClock(START);
    const s = await site(store);
    const secret = Buffer.alloc(32, 1);
    for (const id of ['p-ann', 'p-bob', 'p-cat']) await createPerson(store.db, secret, { id, name: id });
    await putAlertList(store.db, { id: 'watch', name: 'Watch', purpose: 'watch', zones: [] });
    await putAlertList(store.db, { id: 'missing', name: 'Missing', purpose: 'missing', zones: [s.garage] });
    await putAlertList(store.db, { id: 'vip', name: 'VIP', purpose: 'other', zones: [] });
    await addListMember(store.db, 'watch', 'p-ann');
    await addListMember(store.db, 'missing', 'p-ann');
    await addListMember(store.db, 'missing', 'p-cat');
    await addListMember(store.db, 'vip', 'p-bob');
    // Weekdays 08:00-18:00 UTC; START is Monday 09:00.
    await putAlertPeriod(store.db, { id: 'day', name: 'Day', timeZone: 'UTC', weekly: { mon: ['08:00-18:00'] }, dates: [] });
    await putAlertPeriod(store.db, { id: 'night', name: 'Night', timeZone: 'UTC', weekly: { mon: ['22:00-24:00'] }, dates: ['2026-12-25'] });
    await putAlertRule(store.db, 'watch-gate', rule({ lists: ['watch', 'missing'], zones: [s.gate], periods: ['day'] }), null);
    await putAlertRule(store.db, 'watch-night', rule({ lists: ['watch'], periods: ['night'] }), null);
    const h = harness(store, clock, s.zoneOf);
    try {
      await h.event('b3-door', 'access.granted', { personId: 'p-ann', result: 'granted', data: { score: 0.91, liveness: 0.88 } });
      assert.equal(
        h.alerts.map((a) => [a.ruleId, a.ruleVersion, a.trigger, a.personId, a.terminal, a.zoneId, a.score, a.liveness, a.event, a.state]),
        [['watch-gate', 1, 'appears', 'p-ann', 'b3-door', s.b3, 0.91, 0.88, { terminal: 'b3-door', seq: 1 }, 'open']],
        'in the sub-zone of the rule, in the day period, on a list of the rule',
      );
      // The terminal's list match of the same face (eventSeq 1) adds its snapshot, not a second alert.
      const match = { lists: [{ id: 'watch', purpose: 'watch' }], score: 0.91, liveness: 0.88, spoofSuspected: false, eventSeq: 1, snapshotId: 'snap-1' };
      await h.event('b3-door', 'alert.list-match', { personId: 'p-ann', data: match });
      assert.is(h.alerts.length, 1, 'one face, one alert');
      assert.is((await store.db.selectFrom('alerts').select('snapshot').executeTakeFirstOrThrow()).snapshot, 'snap-1');
      await h.event('gate-1', 'alert.list-match', { personId: 'p-ann', data: { ...match, eventSeq: null, snapshotId: 'snap-2' } });
      assert.equal(h.alerts.slice(1).map((a) => [a.trigger, a.terminal, a.snapshot]), [['appears', 'gate-1', 'snap-2']], 'a list match alone raises it too');
      h.alerts.splice(1);
      await h.event('garage-1', 'access.granted', { personId: 'p-ann', result: 'granted' });
      await h.event('gate-1', 'access.granted', { personId: 'p-bob', result: 'granted' });
      // p-cat is only on 'missing', which applies in the garage: not at the gate.
      await h.event('gate-1', 'access.denied', { personId: 'p-cat', result: 'denied' });
      assert.is(h.alerts.length, 1, 'wrong zone, wrong list, list zoned elsewhere: silent');
      await h.advance(14 * HOUR); // Monday 23:00: night, not day.
      await h.event('gate-1', 'access.granted', { personId: 'p-ann', result: 'granted' });
      assert.equal(h.alerts.slice(1).map((a) => a.ruleId), ['watch-night'], 'out of the day period, inside the night one');
    } finally {
      h.engine.stop();
    }
  });

  test('a stranger seen 10 times in 2 minutes is one alert; later, or in another zone, a new one; out of period silent', async () => {
    const store = await open();
    const clock = new FakeClock(START);
    const s = await site(store);
    await putAlertPeriod(store.db, { id: 'xmas', name: 'Special event', timeZone: 'UTC', weekly: {}, dates: ['2026-12-25'] });
    await putAlertRule(store.db, 'strangers', rule({ trigger: 'stranger', zones: [s.gate], dedupeMinutes: 5 }), null);
    await putAlertRule(store.db, 'strangers-xmas', rule({ trigger: 'stranger', periods: ['xmas'] }), null);
    const h = harness(store, clock, s.zoneOf);
    try {
      for (let i = 0; i < 10; i++) {
        await h.event('gate-1', 'face.stranger', { result: 'denied', data: { score: 0.2, liveness: 0.9 } });
        await h.advance(12_000);
      }
      assert.is(h.alerts.length, 1);
      const row = await store.db.selectFrom('alerts').select(['sightings', 'first_seen_at', 'last_seen_at']).executeTakeFirstOrThrow();
      assert.equal(row, { sightings: 10, first_seen_at: START, last_seen_at: START + 9 * 12_000 });
      await h.event('b3-door', 'face.stranger', { result: 'denied' });
      assert.is(h.alerts.length, 2, 'another zone: another alert');
      await h.advance(6 * MIN);
      await h.event('gate-1', 'face.stranger', { result: 'denied' });
      assert.is(h.alerts.length, 3, 'after the window: a new alert');
      await h.event('garage-1', 'face.stranger', { result: 'denied' });
      assert.is(h.alerts.length, 3, 'outside the rule zones, and outside the special-event period');
    } finally {
      h.engine.stop();
    }
  });

  test('spoof, tailgating, door forced, door held open, tamper and fire fire from their events in scope, not out of it', async () => {
    const store = await open();
    const clock = new FakeClock(START);
    const s = await site(store);
    const kinds = [
      ['spoof', 'face.spoof-suspected'],
      ['tailgating', 'alarm.tailgating'],
      ['door-forced', 'alarm.forced-open'],
      ['door-held-open', 'alarm.held-open'],
      ['tamper', 'alarm.tamper'],
      ['fire', 'fire.release'],
    ] as const;
    for (const [trigger] of kinds) await putAlertRule(store.db, trigger, rule({ trigger, terminals: ['gate-1'] }), null);
    const h = harness(store, clock, s.zoneOf);
    try {
      for (const [, type] of kinds) await h.event('garage-1', type);
      await h.event('gate-1', 'alarm.forced-open-cleared');
      assert.equal(h.alerts, [], 'out of scope, and a clearing event, raise nothing');
      for (const [, type] of kinds) await h.event('gate-1', type, { data: { liveness: 0.1, snapshotIds: ['s-a', 's-b'] } });
      assert.equal(h.alerts.map((a) => [a.trigger, a.ruleId, a.terminal, a.liveness, a.snapshot]), kinds.map(([t]) => [t, t, 'gate-1', 0.1, 's-a']));
    } finally {
      h.engine.stop();
    }
  });

  test('long absence: raised once when a listed person has not passed for N hours, again after a newer passage; out of period silent', async () => {
    const store = await open();
    const clock = new FakeClock(START);
    const s = await site(store);
    const secret = Buffer.alloc(32, 1);
    await createPerson(store.db, secret, { id: 'p-eli', name: 'Eli' });
    await createPerson(store.db, secret, { id: 'p-fay', name: 'Fay' });
    await putAlertList(store.db, { id: 'alone', name: 'Living alone', purpose: 'other', zones: [] });
    await putAlertList(store.db, { id: 'other', name: 'Other', purpose: 'other', zones: [] });
    await addListMember(store.db, 'alone', 'p-eli', START);
    await addListMember(store.db, 'other', 'p-fay', START);
    await putAlertPeriod(store.db, { id: 'xmas', name: 'Holiday', timeZone: 'UTC', weekly: {}, dates: ['2026-12-25'] });
    await putAlertRule(store.db, 'absent', rule({ trigger: 'long-absence', lists: ['alone'], absenceHours: 48 }), null);
    await putAlertRule(store.db, 'absent-xmas', rule({ trigger: 'long-absence', lists: ['other'], absenceHours: 1, periods: ['xmas'] }), null);
    const h = harness(store, clock, s.zoneOf);
    try {
      await h.event('gate-1', 'access.granted', { personId: 'p-eli', result: 'granted' });
      await h.advance(47 * HOUR);
      assert.equal(h.alerts, []);
      await h.advance(2 * HOUR);
      assert.equal(h.alerts.map((a) => [a.ruleId, a.trigger, a.personId]), [['absent', 'long-absence', 'p-eli']]);
      await h.advance(24 * HOUR);
      assert.is(h.alerts.length, 1, 'once per absence');
      await h.event('gate-1', 'access.granted', { personId: 'p-eli', result: 'granted' });
      await h.advance(49 * HOUR);
      assert.equal(h.alerts.map((a) => a.personId), ['p-eli', 'p-eli'], 'a new absence after a passage');
    } finally {
      h.engine.stop();
    }
  });

  test('long absence counts only passages in the rule scope: seen only out of scope fires, seen in a sub-zone or at a listed terminal does not', async () => {
    const store = await open();
    const clock = new FakeClock(START);
    const s = await site(store);
    const secret = Buffer.alloc(32, 1);
    for (const id of ['p-eli', 'p-gus', 'p-hal']) await createPerson(store.db, secret, { id, name: id });
    await putAlertList(store.db, { id: 'alone', name: 'Living alone', purpose: 'other', zones: [] });
    for (const id of ['p-eli', 'p-gus', 'p-hal']) await addListMember(store.db, 'alone', id, START);
    await putAlertRule(store.db, 'absent-gate', rule({ trigger: 'long-absence', lists: ['alone'], zones: [s.gate], absenceHours: 48 }), null);
    await putAlertRule(store.db, 'absent-garage', rule({ trigger: 'long-absence', lists: ['alone'], terminals: ['garage-1'], absenceHours: 48 }), null);
    const h = harness(store, clock, s.zoneOf);
    try {
      await h.advance(2 * HOUR);
      await h.event('garage-1', 'access.granted', { personId: 'p-eli', result: 'granted' });
      await h.event('b3-door', 'access.granted', { personId: 'p-gus', result: 'granted' });
      await h.event('gate-1', 'access.granted', { personId: 'p-hal', result: 'granted' });
      await h.event('garage-1', 'access.granted', { personId: 'p-hal', result: 'granted' });
      await h.advance(45 * HOUR);
      assert.equal(h.alerts, [], 'nobody is absent 48 h yet');
      await h.advance(2 * HOUR); // 49 h after being listed, 47 h after passing.
      const fired = h.alerts.map((a) => `${a.ruleId}:${a.personId}`).sort();
      assert.equal(fired, ['absent-garage:p-gus', 'absent-gate:p-eli'], 'absent from the gate subtree (eli: garage only), absent from the garage terminal (gus: B3 only)');
    } finally {
      h.engine.stop();
    }
  });

  test('rule changes apply at once when the API says so, within RULES_TTL_MS when another instance made them', async () => {
    const store = await open();
    const clock = new FakeClock(START);
    const s = await site(store);
    await putAlertRule(store.db, 'tamper', rule({ trigger: 'tamper', terminals: ['garage-1'] }), null);
    const h = harness(store, clock, s.zoneOf);
    try {
      await h.event('gate-1', 'alarm.tamper');
      assert.equal(h.alerts, []);
      await putAlertRule(store.db, 'tamper', rule({ trigger: 'tamper', terminals: ['gate-1'] }), null);
      await h.advance(RULES_TTL_MS - 1);
      await h.event('gate-1', 'alarm.tamper');
      assert.equal(h.alerts, [], 'the cached version still applies');
      await h.advance(1);
      await h.event('gate-1', 'alarm.tamper');
      assert.equal(h.alerts.map((a) => [a.ruleId, a.ruleVersion]), [['tamper', 2]], 'read again after the TTL');
      await putAlertRule(store.db, 'tamper', rule({ trigger: 'tamper', terminals: ['gate-1'], severity: 'critical' }), null);
      h.engine.rulesChanged();
      await h.event('gate-1', 'alarm.tamper');
      assert.equal(h.alerts.map((a) => [a.ruleVersion, a.severity]), [[2, 'warning'], [3, 'critical']], 'at once after rulesChanged');
    } finally {
      h.engine.stop();
    }
  });

  test('terminal offline longer than T fires once; back in time, or out of scope, nothing', async () => {
    const store = await open();
    const clock = new FakeClock(START);
    const s = await site(store);
    await putAlertRule(store.db, 'offline', rule({ trigger: 'terminal-offline', zones: [s.gate], offlineMinutes: 10 }), null);
    const h = harness(store, clock, s.zoneOf);
    try {
      await h.setPresence('b3-door', false);
      await h.setPresence('gate-1', false);
      await h.setPresence('garage-1', false);
      await h.advance(5 * MIN);
      await h.setPresence('gate-1', true);
      await h.advance(4 * MIN);
      assert.equal(h.alerts, []);
      await h.advance(2 * MIN);
      assert.equal(h.alerts.map((a) => [a.trigger, a.terminal, a.zoneId]), [['terminal-offline', 'b3-door', s.b3]]);
      await h.advance(HOUR);
      assert.is(h.alerts.length, 1);
    } finally {
      h.engine.stop();
    }
  });

  test('terminal offline survives a site restart: it fires T after the terminal went away, not T after the restart, and not twice', async () => {
    const url = await fresh();
    const clock = new FakeClock(START);
    let store = await open(url);
    const s = await site(store);
    await putAlertRule(store.db, 'offline', rule({ trigger: 'terminal-offline', zones: [s.gate], offlineMinutes: 10 }), null);
    let h = harness(store, clock, s.zoneOf);
    await h.setPresence('gate-1', false);
    await h.setPresence('b3-door', false);
    await h.advance(6 * MIN);
    h.engine.stop();
    await store.close();

    // The site is down 2 minutes; gate-1 comes back meanwhile (its retained presence says so).
    clock.advance(2 * MIN);
    store = await open(url);
    h = harness(store, clock, s.zoneOf);
    try {
      await h.setPresence('gate-1', true);
      await h.setPresence('b3-door', false); // the retained offline presence, replayed at connect
      await h.advance(MIN);
      assert.equal(h.alerts, [], '9 minutes offline');
      await h.advance(MIN);
      assert.equal(h.alerts.map((a) => [a.ruleId, a.terminal, a.createdAt]), [['offline', 'b3-door', START + 10 * MIN]], 'due 10 minutes after it went offline');
      h.engine.stop();
      await store.close();
      store = await open(url);
      h = harness(store, clock, s.zoneOf);
      await h.advance(HOUR);
      assert.equal(h.alerts, [], 'raised before the restart: not raised again');
      await h.setPresence('b3-door', true);
      await h.setPresence('b3-door', false);
      await h.advance(10 * MIN);
      assert.equal(h.alerts.map((a) => a.terminal), ['b3-door'], 'a new absence after coming back counts from then');
    } finally {
      h.engine.stop();
    }
  });
});
