/**
 * The two standing tasks on hand-built passages with a fixed `now`: nights spent
 * behind a residential door counted in the site's time zone, within the window;
 * couriers and cleaners (in and out within the day) not counted; absence against
 * the default and per-list thresholds.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DEFAULT_ABSENCE_SETTINGS,
  DEFAULT_FREQUENT_SETTINGS,
  findFrequentlyAppearing,
  findPersistentlyAbsent,
  TaskSettingsError,
  type FrequentSettings,
  type Passage,
} from '../../../../tools/site/community/tasks.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Wall clock in Asia/Shanghai (UTC+8, no DST): January `day`, 2024, hh:mm. */
const sh = (day: number, hh: number, mm = 0) => Date.UTC(2024, 0, day, hh - 8, mm);
const NOW = sh(20, 12);

const settings: FrequentSettings = { ...DEFAULT_FREQUENT_SETTINGS, minDistinctDays: 5, windowDays: 14, timeZone: 'Asia/Shanghai', nightHour: 3, maxStayHours: 40 };

function pass(at: number, zoneKind: string, zoneId: number, direction: Passage['direction'], unitHint?: number): Passage {
  return { at, terminalId: `${zoneKind}-${zoneId}-${direction}`, zoneId, zoneKind, direction, ...(unitHint !== undefined && { unitHint }) };
}

/** Evening home through the gate and building 7, morning out again: one night per day. */
function residentNights(days: number[], building = 7): Passage[] {
  const out: Passage[] = [];
  for (const d of days) {
    out.push(pass(sh(d, 18, 40), 'community', 1, 'in'), pass(sh(d, 18, 45), 'building', building, 'in'));
    out.push(pass(sh(d + 1, 7, 50), 'building', building, 'out'), pass(sh(d + 1, 7, 55), 'community', 1, 'out'));
  }
  return out;
}

test('k nights behind the same building door within the window make a finding, k-1 do not', () => {
  const five = { id: 'anon-5', passages: residentNights([10, 11, 13, 15, 17]) };
  const four = { id: 'anon-4', passages: residentNights([10, 12, 14, 16]) };
  const found = findFrequentlyAppearing([four, five], settings, NOW);
  assert.equal(found, [{ identityId: 'anon-5', distinctDays: 5, likelyZoneId: 7, firstSeen: sh(10, 18, 40), lastSeen: sh(18, 7, 55) }]);
  assert.equal(findFrequentlyAppearing([five], { ...settings, minDistinctDays: 6 }, NOW), []);
});

test('nights older than the window do not count', () => {
  // Nights of Jan 2..6 end before now − 14 days (Jan 6 12:00); only Jan 18's counts.
  const old = { id: 'old', passages: residentNights([1, 2, 3, 4, 18]) };
  assert.equal(findFrequentlyAppearing([old], settings, NOW), []);
  assert.is(findFrequentlyAppearing([old], { ...settings, windowDays: 19 }, NOW)[0]?.distinctDays, 5);
});

test('passages after now are ignored', () => {
  const future = { id: 'f', passages: residentNights([15, 16, 17, 18, 19, 20, 21]) };
  // Only the nights ending by Jan 20 12:00 count: 15..19 → 5.
  assert.is(findFrequentlyAppearing([future], settings, NOW)[0]?.distinctDays, 5);
  // A day earlier only 15..18 have ended: 4 nights, no finding.
  assert.equal(findFrequentlyAppearing([future], settings, sh(19, 12)), []);
});

test('couriers and cleaners at building doors every day are not residents', () => {
  const courier: Passage[] = [];
  const cleaner: Passage[] = [];
  for (let d = 6; d <= 19; d++) {
    // Evening deliveries: through the gate, in and out of two buildings, out through the gate.
    courier.push(pass(sh(d, 19, 0), 'community', 1, 'in'), pass(sh(d, 19, 5), 'building', 7, 'in'), pass(sh(d, 19, 9), 'building', 7, 'out'));
    courier.push(pass(sh(d, 21, 30), 'building', 8, 'in'), pass(sh(d, 21, 34), 'building', 8, 'out'), pass(sh(d, 21, 40), 'community', 1, 'out'));
    cleaner.push(pass(sh(d, 8, 0), 'building', 7, 'in'), pass(sh(d, 17, 0), 'building', 7, 'out'));
  }
  assert.equal(findFrequentlyAppearing([{ id: 'courier', passages: courier }, { id: 'cleaner', passages: cleaner }], settings, NOW), []);
});

test('a stay must go in then out at the same zone, with nothing between', () => {
  const swapped: Passage[] = [];
  const twoBuildings: Passage[] = [];
  const gateBetween: Passage[] = [];
  for (let d = 10; d <= 17; d++) {
    swapped.push(pass(sh(d, 19), 'building', 7, 'out'), pass(sh(d + 1, 8), 'building', 7, 'in'));
    twoBuildings.push(pass(sh(d, 19), 'building', 7, 'in'), pass(sh(d + 1, 8), 'building', 8, 'out'));
    gateBetween.push(pass(sh(d, 19), 'building', 7, 'in'), pass(sh(d, 23), 'community', 1, 'out'), pass(sh(d + 1, 8), 'building', 7, 'out'));
  }
  const ids = [{ id: 'swapped', passages: swapped }, { id: 'two', passages: twoBuildings }, { id: 'gate', passages: gateBetween }];
  assert.equal(findFrequentlyAppearing(ids, settings, NOW), []);
});

test('terminals without a direction still show a night; stays longer than maxStayHours do not', () => {
  const unknown: Passage[] = [];
  for (let d = 10; d <= 14; d++) unknown.push(pass(sh(d, 20), 'unit-door', 30, 'unknown'), pass(sh(d + 1, 7), 'unit-door', 30, 'unknown'));
  assert.is(findFrequentlyAppearing([{ id: 'u', passages: unknown }], settings, NOW)[0]?.distinctDays, 5);
  // Home from Friday evening to Monday morning (61 h): too long to be sure no passage was missed.
  const long = [pass(sh(12, 19), 'building', 7, 'in'), pass(sh(15, 8), 'building', 7, 'out')];
  assert.equal(findFrequentlyAppearing([{ id: 'l', passages: long }], { ...settings, minDistinctDays: 1 }, NOW), []);
  // A weekend at home within maxStayHours (37 h) is two nights.
  const weekend = [pass(sh(13, 19), 'building', 7, 'in'), pass(sh(15, 8), 'building', 7, 'out')];
  assert.is(findFrequentlyAppearing([{ id: 'w', passages: weekend }], { ...settings, minDistinctDays: 1 }, NOW)[0]?.distinctDays, 2);
});

test('nights are counted on the site time zone wall clock', () => {
  // In 01:00 UTC, out 05:00 UTC: spans 03:00 in UTC, but is 09:00-13:00 in Shanghai.
  const passages: Passage[] = [];
  for (let d = 10; d <= 14; d++) passages.push(pass(Date.UTC(2024, 0, d, 1), 'building', 7, 'in'), pass(Date.UTC(2024, 0, d, 5), 'building', 7, 'out'));
  const id = [{ id: 'tz', passages }];
  assert.equal(findFrequentlyAppearing(id, settings, NOW), []);
  assert.is(findFrequentlyAppearing(id, { ...settings, timeZone: 'UTC' }, NOW)[0]?.distinctDays, 5);
});

test('the likely zone is the unit its doors name most, else the building', () => {
  const passages = residentNights([10, 11, 12, 13, 14], 7);
  passages.push(pass(sh(16, 19), 'unit-door', 40, 'in', 701), pass(sh(16, 19, 5), 'unit-door', 40, 'in', 701));
  passages.push(...residentNights([17, 18], 8).filter((p) => p.zoneKind === 'building'));
  // Building 7: 10 passages; unit 701: 2; building 8: 4.
  assert.is(findFrequentlyAppearing([{ id: 'z', passages }], settings, NOW)[0]?.likelyZoneId, 7);
  const unitPassages = residentNights([10, 11, 12, 13, 14], 7).map((p) => (p.zoneKind === 'building' ? { ...p, unitHint: 702 } : p));
  assert.is(findFrequentlyAppearing([{ id: 'z', passages: unitPassages }], settings, NOW)[0]?.likelyZoneId, 702);
});

test('bad frequent settings are refused with a code', () => {
  const bad: Partial<FrequentSettings>[] = [{ minDistinctDays: 0 }, { minDistinctDays: 15, windowDays: 14 }, { timeZone: 'Mars/Olympus' }, { nightHour: 24 }, { maxStayHours: 0 }, { windowDays: 1.5 }];
  for (const b of bad) {
    try {
      findFrequentlyAppearing([], { ...settings, ...b }, NOW);
      assert.unreachable(JSON.stringify(b));
    } catch (err) {
      assert.instance(err, TaskSettingsError);
      assert.is((err as TaskSettingsError).code, 'BAD_COMMUNITY_SETTINGS');
    }
  }
});

test('absent for the default N days, counted in whole days from the last passage', () => {
  const residents = [
    { personId: 'gone', lists: [], registeredAt: NOW - 400 * DAY, lastPassageAt: NOW - 10 * DAY },
    { personId: 'almost', lists: [], registeredAt: NOW - 400 * DAY, lastPassageAt: NOW - 10 * DAY + 1 },
    { personId: 'home', lists: [], registeredAt: NOW - 400 * DAY, lastPassageAt: NOW - HOUR },
  ];
  assert.equal(findPersistentlyAbsent(residents, { defaultDays: 10, perListDays: {} }, NOW), [{ personId: 'gone', absentDays: 10, thresholdDays: 10 }]);
});

test('per-list thresholds: tenants sooner, the shortest list wins, others take the default', () => {
  const six = NOW - 6 * DAY;
  const residents = [
    { personId: 'tenant', lists: ['tenants'], registeredAt: NOW - 100 * DAY, lastPassageAt: six },
    { personId: 'owner', lists: ['owners'], registeredAt: NOW - 100 * DAY, lastPassageAt: six },
    { personId: 'both', lists: ['elderly', 'tenants'], registeredAt: NOW - 100 * DAY, lastPassageAt: six },
    { personId: 'elderly', lists: ['elderly'], registeredAt: NOW - 100 * DAY, lastPassageAt: NOW - 25 * DAY },
  ];
  const found = findPersistentlyAbsent(residents, { defaultDays: 10, perListDays: { tenants: 5, elderly: 30 } }, NOW);
  assert.equal(found, [
    { personId: 'both', absentDays: 6, thresholdDays: 5 },
    { personId: 'tenant', absentDays: 6, thresholdDays: 5 },
  ]);
});

test('someone never seen counts from registration', () => {
  const residents = [
    { personId: 'new', lists: [], registeredAt: NOW - 3 * DAY, lastPassageAt: null },
    { personId: 'never', lists: [], registeredAt: NOW - 20 * DAY, lastPassageAt: null },
  ];
  assert.equal(findPersistentlyAbsent(residents, DEFAULT_ABSENCE_SETTINGS, NOW), [{ personId: 'never', absentDays: 20, thresholdDays: DEFAULT_ABSENCE_SETTINGS.defaultDays }]);
});

test('bad absence settings are refused with a code', () => {
  for (const b of [{ defaultDays: 0, perListDays: {} }, { defaultDays: 10, perListDays: { tenants: -1 } }, { defaultDays: 10, perListDays: null }]) {
    assert.throws(() => findPersistentlyAbsent([], b as never, NOW), (e: unknown) => (e as TaskSettingsError).code === 'BAD_COMMUNITY_SETTINGS');
  }
});

test.run();
