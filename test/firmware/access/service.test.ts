// AccessService end to end over an in-memory store with a fake clock: every
// reason code, schedules with holidays and DST, validity windows as time passes,
// several groups, PINs, and exactly one event per decision.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import {
  ACCESS_REASONS,
  AccessError,
  AccessService,
  type AccessReason,
  type PresentedCredential,
} from '../../../firmware/access/index.js';
import { Store } from '../../../firmware/store/index.js';

const TZ = 'Europe/Berlin';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Berlin local wall time -> epoch ms, for winter (CET, +1) or summer (CEST, +2) dates. */
const berlin = (y: number, mo: number, d: number, h: number, mi = 0, offset = 1) => Date.UTC(y, mo - 1, d, h - offset, mi);
/** Monday 2026-01-05 09:00 in Berlin. */
const MON_9 = berlin(2026, 1, 5, 9);

function setup(start = MON_9) {
  const clock = new FakeClock(start);
  const store = Store.open({ path: ':memory:', terminalId: 'T1', clock });
  const access = new AccessService({ store, timeZone: TZ });
  const repo = access.repository;
  repo.addSchedule({
    id: 'office',
    name: 'Office hours',
    weekly: { mon: ['08:00-18:00'], tue: ['08:00-18:00'], wed: ['08:00-18:00'], thu: ['08:00-18:00'], fri: ['08:00-18:00'], sun: ['08:00-18:00'] },
    holidayIntervals: ['10:00-12:00'],
  });
  repo.addSchedule({ id: 'nights', name: 'Night shift', weekly: { mon: ['20:00-24:00'], tue: ['00:00-06:00'] } });
  repo.addGroup({ id: 'staff', name: 'Staff', scheduleId: 'office' });
  repo.addGroup({ id: 'night', name: 'Night shift', scheduleId: 'nights' });
  repo.addGroup({ id: 'security', name: 'Security' }); // no schedule: any time
  repo.addPerson({ id: 'ada', name: 'Ada', groupIds: ['staff'] });
  repo.addCard('ada', '1001');
  repo.addPin('ada', '2468');
  return { clock, store, access, repo };
}

const card = (value: string, format?: string): PresentedCredential => ({ type: 'card', value, ...(format ? { format } : {}) });
const pin = (value: string): PresentedCredential => ({ type: 'pin', value });
const face = (personId: string | null, over: { score?: number; liveness?: number | null; spoofSuspected?: boolean } = {}): PresentedCredential => ({
  type: 'face',
  personId,
  score: over.score ?? 0.71,
  liveness: over.liveness === undefined ? 0.93 : over.liveness,
  ...(over.spoofSuspected !== undefined ? { spoofSuspected: over.spoofSuspected } : {}),
});

const reasonsSeen = new Set<AccessReason>();

/** Presents, checks the reason, and checks that exactly one matching event was appended. */
function expect(env: ReturnType<typeof setup>, input: PresentedCredential, reason: AccessReason) {
  const before = env.store.events.latestSeq();
  const r = env.access.present(input);
  assert.is(r.decision.reason, reason, `${JSON.stringify(input)} at ${new Date(env.clock.now()).toISOString()}`);
  assert.is(r.decision.result, reason === 'granted' ? 'granted' : 'denied');
  assert.is(env.store.events.latestSeq(), before + 1, 'exactly one event per decision');
  assert.equal(env.store.events.query({ afterSeq: before }), [r.event]);
  assert.is(r.event.ts, env.clock.now());
  assert.is(r.event.result, r.decision.result);
  assert.is(r.event.reason, reason);
  assert.is(r.event.personId, r.decision.personId ?? null);
  assert.is(r.event.credentialType, input.type);
  reasonsSeen.add(reason);
  return r;
}

test('cards and PINs: granted inside the schedule; events name the card, never the PIN', () => {
  const env = setup();
  const c = expect(env, card('0001001', 'wiegand26'), 'granted');
  assert.is(c.event.type, 'access.granted');
  assert.is(c.event.credentialRef, '1001');
  assert.equal(c.event.data, { credentialId: c.decision.credentialId, format: 'wiegand26' });
  const p = expect(env, pin('2468'), 'granted');
  assert.is(p.event.credentialRef, p.decision.credentialId!);
  assert.not.ok(JSON.stringify(env.store.db.prepare('SELECT * FROM events').all()).includes('2468'), 'no PIN in the log');
  const wrong = expect(env, pin('1357'), 'unknown-credential');
  assert.is(wrong.event.type, 'access.denied');
  assert.is(wrong.event.credentialRef, null);
  assert.is(wrong.event.data, null);
  env.store.close();
});

test('malformed and unknown credentials are denials with an event, not errors', () => {
  const env = setup();
  const m = expect(env, card('12a4'), 'malformed-credential');
  assert.is(m.event.credentialRef, null);
  assert.equal(m.event.data, { value: '12a4' });
  const m2 = expect(env, pin('12'), 'malformed-credential');
  assert.is(m2.event.data, null, 'a malformed PIN is not recorded either');
  const u = expect(env, card('999'), 'unknown-credential');
  assert.is(u.event.credentialRef, '999');
  env.store.close();
});

test("a credential of the wrong shape throws 'INVALID_INPUT' and logs nothing", () => {
  const env = setup();
  for (const bad of [null, {}, { type: 'plate', value: 42 }, { type: 'plate', value: '京A12345', colour: 'pink' }, { type: 'qr', value: 42 }, { type: 'card' }, { type: 'card', value: 42 }, { type: 'face', personId: null, score: Number.NaN, liveness: null }]) {
    try {
      env.access.present(bad as never);
      assert.unreachable(JSON.stringify(bad));
    } catch (err) {
      assert.instance(err, AccessError);
      assert.is((err as AccessError).code, 'INVALID_INPUT');
    }
  }
  assert.is(env.store.events.count(), 0);
  env.store.close();
});

test('enabled flags on credential and person', () => {
  const env = setup();
  const c = env.repo.findCredential('card', '1001')!;
  env.repo.updateCredential(c.id, { enabled: false });
  expect(env, card('1001'), 'credential-disabled');
  expect(env, pin('2468'), 'granted');
  env.repo.updatePerson('ada', { enabled: false });
  expect(env, pin('2468'), 'person-disabled');
  env.repo.updatePerson('ada', { enabled: true });
  env.repo.updateCredential(c.id, { enabled: true });
  expect(env, card('1001'), 'granted');
  env.store.close();
});

test('validity windows open and close as the clock moves', () => {
  const env = setup();
  const c = env.repo.findCredential('card', '1001')!;
  env.repo.updateCredential(c.id, { validFrom: MON_9 + HOUR, validUntil: MON_9 + 2 * HOUR });
  expect(env, card('1001'), 'credential-not-yet-valid');
  env.clock.advance(HOUR);
  expect(env, card('1001'), 'granted');
  env.clock.advance(HOUR - 1);
  expect(env, card('1001'), 'granted');
  env.clock.advance(1);
  expect(env, card('1001'), 'credential-expired');

  env.repo.updateCredential(c.id, { validFrom: null, validUntil: null });
  env.repo.updatePerson('ada', { validFrom: env.clock.now() + DAY, validUntil: env.clock.now() + 2 * DAY });
  expect(env, card('1001'), 'person-not-yet-valid');
  env.clock.advance(DAY);
  expect(env, card('1001'), 'granted');
  env.clock.advance(DAY);
  expect(env, card('1001'), 'person-expired');
  env.store.close();
});

test('weekly schedule: edges, weekend, no group', () => {
  const env = setup(berlin(2026, 1, 5, 7, 59));
  expect(env, card('1001'), 'outside-schedule');
  env.clock.advance(60_000);
  expect(env, card('1001'), 'granted'); // 08:00
  env.clock.setTime(berlin(2026, 1, 5, 17, 59));
  expect(env, card('1001'), 'granted');
  env.clock.setTime(berlin(2026, 1, 5, 18, 0));
  expect(env, card('1001'), 'outside-schedule'); // end exclusive
  env.clock.setTime(berlin(2026, 1, 10, 12, 0));
  expect(env, card('1001'), 'outside-schedule'); // Saturday has no intervals
  env.repo.setPersonGroups('ada', []);
  expect(env, card('1001'), 'no-access-group');
  env.store.close();
});

test('holidays: holiday intervals replace the weekday; empty means closed', () => {
  const env = setup(berlin(2026, 12, 25, 9, 0)); // a Friday
  env.repo.setHoliday('2026-12-25', 'Christmas');
  expect(env, card('1001'), 'holiday');
  env.clock.setTime(berlin(2026, 12, 25, 10, 0));
  expect(env, card('1001'), 'granted');
  env.clock.setTime(berlin(2026, 12, 25, 12, 0));
  expect(env, card('1001'), 'holiday');
  env.repo.updateSchedule('office', { holidayIntervals: [] });
  env.clock.setTime(berlin(2026, 12, 25, 11, 0));
  expect(env, card('1001'), 'holiday');
  env.clock.setTime(berlin(2026, 12, 28, 11, 0)); // Monday after: normal again
  expect(env, card('1001'), 'granted');
  // The holiday is a local date: 23:30 UTC on Wednesday the 30th is already Thursday the 31st in Berlin.
  env.repo.setHoliday('2026-12-31');
  env.repo.updateSchedule('office', { weekly: { wed: ['00:00-24:00'], thu: ['00:00-24:00'] } });
  env.clock.setTime(Date.UTC(2026, 11, 30, 23, 30));
  expect(env, card('1001'), 'holiday');
  env.store.close();
});

test('DST: schedules follow local wall time across both changes', () => {
  // Sunday 2026-03-29, clocks go 02:00 -> 03:00 in Berlin. Office opens 08:00 local on Sundays here.
  const env = setup(Date.UTC(2026, 2, 28, 6, 30)); // Saturday 07:30 CET
  env.repo.updateSchedule('office', { weekly: { sat: ['08:00-18:00'], sun: ['08:00-18:00'], mon: ['08:00-18:00'] } });
  expect(env, card('1001'), 'outside-schedule'); // Sat 07:30 CET
  env.clock.advance(DAY); // same UTC time on Sunday = 08:30 CEST
  expect(env, card('1001'), 'granted');
  env.clock.setTime(Date.UTC(2026, 2, 29, 15, 59)); // 17:59 CEST
  expect(env, card('1001'), 'granted');
  env.clock.setTime(Date.UTC(2026, 2, 29, 16, 0)); // 18:00 CEST; would be 17:00 without DST
  expect(env, card('1001'), 'outside-schedule');

  // Sunday 2026-10-25, clocks go 03:00 -> 02:00: both 02:30s fall inside 02:00-03:00.
  env.repo.updateSchedule('office', { weekly: { sun: ['02:00-03:00'] } });
  env.clock.setTime(Date.UTC(2026, 9, 25, 0, 30)); // first 02:30 (CEST)
  expect(env, card('1001'), 'granted');
  env.clock.setTime(Date.UTC(2026, 9, 25, 1, 30)); // second 02:30 (CET)
  expect(env, card('1001'), 'granted');
  env.clock.setTime(Date.UTC(2026, 9, 25, 2, 0)); // 03:00 CET
  expect(env, card('1001'), 'outside-schedule');
  env.store.close();
});

test('several groups: granted when any group allows; a group without schedule always allows', () => {
  const env = setup(berlin(2026, 1, 5, 21, 0)); // Monday 21:00
  expect(env, card('1001'), 'outside-schedule');
  env.repo.addPersonToGroup('ada', 'night');
  expect(env, card('1001'), 'granted');
  env.clock.setTime(berlin(2026, 1, 6, 5, 59)); // Tuesday early: night shift continues
  expect(env, card('1001'), 'granted');
  env.clock.setTime(berlin(2026, 1, 6, 6, 30));
  expect(env, card('1001'), 'outside-schedule');
  env.repo.setHoliday('2026-01-06');
  expect(env, card('1001'), 'holiday');
  env.repo.addPersonToGroup('ada', 'security');
  expect(env, card('1001'), 'granted');
  env.store.close();
});

test('faces: granted with consent; stranger, spoof and consent outcomes get their own events', () => {
  const env = setup();
  env.repo.grantConsent('ada', 'face', { source: 'kiosk' });
  env.repo.addFaceCredential('ada');
  const ok = expect(env, face('ada'), 'granted');
  assert.is(ok.event.type, 'access.granted');
  assert.is(ok.event.credentialRef, ok.decision.credentialId!);
  assert.equal(ok.event.data, { credentialId: ok.decision.credentialId, score: 0.71, liveness: 0.93 });

  const s = expect(env, face(null, { score: 0.2 }), 'stranger');
  assert.is(s.event.type, 'face.stranger');
  assert.equal(s.event.data, { score: 0.2, liveness: 0.93 });
  assert.is(s.event.personId, null);

  const spoof = expect(env, face('ada', { liveness: 0.05, spoofSuspected: true }), 'spoof-suspected');
  assert.is(spoof.event.type, 'face.spoof-suspected');
  assert.is(spoof.event.personId, 'ada');

  env.repo.addPerson({ id: 'bob', name: 'Bob', groupIds: ['staff'] });
  expect(env, face('bob'), 'no-face-consent');
  env.repo.grantConsent('bob', 'face', { source: 'backend' });
  expect(env, face('bob'), 'unknown-credential'); // consent but no face credential
  env.repo.revokeConsent('ada', 'face');
  expect(env, face('ada', { liveness: null }), 'no-face-consent');

  env.repo.removePerson('bob');
  const ghost = expect(env, face('bob'), 'stranger');
  assert.is(ghost.event.personId, null, 'an erased person id does not reappear');
  env.store.close();
});

test('events can be stamped with another terminal id; onAppend sees each decision', () => {
  const env = setup();
  const seen: string[] = [];
  env.store.events.onAppend((e) => seen.push(`${e.seq}:${e.reason}`));
  const r = env.access.present(card('1001'), { terminalId: 'T1-reader-2' });
  env.access.present(card('5'));
  assert.is(r.event.terminalId, 'T1-reader-2');
  assert.equal(seen, ['1:granted', '2:unknown-credential']);
  env.store.close();
});

test('the service refuses an unknown time zone', () => {
  const store = Store.open({ path: ':memory:', terminalId: 'T1' });
  assert.throws(() => new AccessService({ store, timeZone: 'Europe/Atlantis' }), TypeError);
  store.close();
});

test('every reason code was produced end to end', () => {
  // Visitor-pass reasons are produced in test/firmware/access/passes.test.ts, plate and
  // anti-passback ones in test/firmware/access/plate-decisions.test.ts.
  const PLATE_REASONS: string[] = ['anti-passback', 'ambiguous-plate', 'guard-no-answer'];
  assert.equal([...reasonsSeen].sort(), ACCESS_REASONS.filter((r) => !r.startsWith('pass-') && !PLATE_REASONS.includes(r)).sort());
});

test.run();
