// The pure decision function, fed by plain in-memory lookups.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ACCESS_REASONS,
  decide,
  type AccessDecision,
  type AccessReason,
  type Credential,
  type DecisionLookups,
  type Group,
  type Person,
  type PresentedCredential,
  type Schedule,
} from '../../../firmware/access/index.js';

const TZ = 'Europe/Berlin';
/** Monday 2026-01-05 10:00 in Berlin. */
const MON_10 = Date.UTC(2026, 0, 5, 9, 0);
const HOUR = 3_600_000;

interface World {
  persons: Person[];
  credentials: Credential[];
  groups: Group[];
  members: Array<[string, string]>;
  schedules: Schedule[];
  holidays: string[];
  consents: Array<[string, string]>;
}

function person(id: string, over: Partial<Person> = {}): Person {
  return { id, name: id, enabled: true, validFrom: null, validUntil: null, createdAt: 0, updatedAt: 0, data: null, ...over };
}
function credential(id: string, personId: string, type: Credential['type'], valueKey: string, over: Partial<Credential> = {}): Credential {
  return { id, personId, type, valueKey, label: null, enabled: true, validFrom: null, validUntil: null, createdAt: 0, ...over };
}

function baseWorld(): World {
  return {
    persons: [person('ada'), person('bob')],
    credentials: [
      credential('c-ada', 'ada', 'card', '42'),
      credential('p-ada', 'ada', 'pin', 'PIN:1234'),
      credential('f-ada', 'ada', 'face', 'ada'),
      credential('c-bob', 'bob', 'card', '43'),
    ],
    groups: [
      { id: 'office', name: 'office', scheduleId: 'office-hours' },
      { id: 'always', name: 'always', scheduleId: null },
    ],
    members: [['ada', 'office']],
    schedules: [{ id: 'office-hours', name: 'office hours', weekly: { mon: ['08:00-18:00'] }, holidayIntervals: [] }],
    holidays: [],
    consents: [['ada', 'face']],
  };
}

/** Lookups over a World; values are compared the way the repository does (PINs through a fake "hash"). */
function lookups(w: World): DecisionLookups {
  return {
    findCredential: (type, value) =>
      w.credentials.find(
        (c) => c.type === type && c.valueKey === (type === 'pin' ? `PIN:${value}` : type === 'card' ? value.replace(/^0+(?=\d)/, '') : value),
      ),
    getPerson: (id) => w.persons.find((p) => p.id === id),
    groupsOf: (personId) => w.groups.filter((g) => w.members.some(([p, gid]) => p === personId && gid === g.id)),
    getSchedule: (id) => w.schedules.find((s) => s.id === id),
    isHoliday: (date) => w.holidays.includes(date),
    hasConsent: (personId, kind) => w.consents.some(([p, k]) => p === personId && k === kind),
  };
}

const card = (value: string): PresentedCredential => ({ type: 'card', value });
const face = (personId: string | null, over: Partial<Extract<PresentedCredential, { type: 'face' }>> = {}): PresentedCredential => ({
  type: 'face',
  personId,
  score: 0.8,
  liveness: 0.9,
  ...over,
});

const seen = new Set<AccessReason>();
function check(w: World, input: PresentedCredential, now: number, expected: AccessDecision): void {
  const d = decide(input, lookups(w), now, TZ);
  assert.equal(d, expected);
  seen.add(d.reason);
}

test('a known card, enabled, valid, in a group whose schedule allows now: granted', () => {
  check(baseWorld(), card('42'), MON_10, { result: 'granted', reason: 'granted', personId: 'ada', credentialId: 'c-ada' });
  check(baseWorld(), card('00042'), MON_10, { result: 'granted', reason: 'granted', personId: 'ada', credentialId: 'c-ada' });
  check(baseWorld(), { type: 'pin', value: '1234' }, MON_10, { result: 'granted', reason: 'granted', personId: 'ada', credentialId: 'p-ada' });
  check(baseWorld(), face('ada'), MON_10, { result: 'granted', reason: 'granted', personId: 'ada', credentialId: 'f-ada' });
});

test('malformed and unknown credentials', () => {
  check(baseWorld(), card('12a4'), MON_10, { result: 'denied', reason: 'malformed-credential' });
  check(baseWorld(), { type: 'pin', value: '12' }, MON_10, { result: 'denied', reason: 'malformed-credential' });
  check(baseWorld(), card('999'), MON_10, { result: 'denied', reason: 'unknown-credential' });
  check(baseWorld(), { type: 'pin', value: '9999' }, MON_10, { result: 'denied', reason: 'unknown-credential' });
});

test('credential flags and windows are checked before the person', () => {
  const w = baseWorld();
  w.credentials[0] = { ...w.credentials[0]!, enabled: false };
  w.persons[0] = { ...w.persons[0]!, enabled: false };
  check(w, card('42'), MON_10, { result: 'denied', reason: 'credential-disabled', personId: 'ada', credentialId: 'c-ada' });

  const v = baseWorld();
  v.credentials[0] = { ...v.credentials[0]!, validFrom: MON_10 + 1, validUntil: MON_10 + HOUR };
  check(v, card('42'), MON_10, { result: 'denied', reason: 'credential-not-yet-valid', personId: 'ada', credentialId: 'c-ada' });
  check(v, card('42'), MON_10 + 1, { result: 'granted', reason: 'granted', personId: 'ada', credentialId: 'c-ada' });
  check(v, card('42'), MON_10 + HOUR - 1, { result: 'granted', reason: 'granted', personId: 'ada', credentialId: 'c-ada' });
  check(v, card('42'), MON_10 + HOUR, { result: 'denied', reason: 'credential-expired', personId: 'ada', credentialId: 'c-ada' });
});

test('person flags and windows', () => {
  const w = baseWorld();
  w.persons[0] = { ...w.persons[0]!, enabled: false };
  check(w, card('42'), MON_10, { result: 'denied', reason: 'person-disabled', personId: 'ada', credentialId: 'c-ada' });
  const v = baseWorld();
  v.persons[0] = { ...v.persons[0]!, validFrom: MON_10, validUntil: MON_10 + HOUR };
  check(v, card('42'), MON_10 - 1, { result: 'denied', reason: 'person-not-yet-valid', personId: 'ada', credentialId: 'c-ada' });
  check(v, card('42'), MON_10, { result: 'granted', reason: 'granted', personId: 'ada', credentialId: 'c-ada' });
  check(v, card('42'), MON_10 + HOUR, { result: 'denied', reason: 'person-expired', personId: 'ada', credentialId: 'c-ada' });
});

test('groups: none, schedule, holiday, several groups, the always group', () => {
  const w = baseWorld();
  check(w, card('43'), MON_10, { result: 'denied', reason: 'no-access-group', personId: 'bob', credentialId: 'c-bob' });
  check(w, card('42'), MON_10 + 8 * HOUR, { result: 'denied', reason: 'outside-schedule', personId: 'ada', credentialId: 'c-ada' });
  w.holidays.push('2026-01-05');
  check(w, card('42'), MON_10, { result: 'denied', reason: 'holiday', personId: 'ada', credentialId: 'c-ada' });
  w.schedules[0] = { ...w.schedules[0]!, holidayIntervals: ['09:00-11:00'] };
  check(w, card('42'), MON_10, { result: 'granted', reason: 'granted', personId: 'ada', credentialId: 'c-ada' });
  w.members.push(['ada', 'always']);
  check(w, card('42'), MON_10 + 12 * HOUR, { result: 'granted', reason: 'granted', personId: 'ada', credentialId: 'c-ada' });
});

test('faces: spoof, stranger, consent, no face credential', () => {
  const w = baseWorld();
  check(w, face('ada', { spoofSuspected: true }), MON_10, { result: 'denied', reason: 'spoof-suspected', personId: 'ada' });
  check(w, face(null, { spoofSuspected: true }), MON_10, { result: 'denied', reason: 'spoof-suspected' });
  check(w, face(null), MON_10, { result: 'denied', reason: 'stranger' });
  check(w, face('erased-since'), MON_10, { result: 'denied', reason: 'stranger' });
  check(w, face('bob'), MON_10, { result: 'denied', reason: 'no-face-consent', personId: 'bob' });
  w.consents.push(['bob', 'face']);
  check(w, face('bob'), MON_10, { result: 'denied', reason: 'unknown-credential', personId: 'bob' });
});

test('decide is pure: same inputs, same answer, nothing changed', () => {
  const w = baseWorld();
  const before = JSON.stringify(w);
  const a = decide(card('42'), lookups(w), MON_10, TZ);
  const b = decide(card('42'), lookups(w), MON_10, TZ);
  assert.equal(a, b);
  assert.is(JSON.stringify(w), before);
  assert.throws(() => decide(card('42'), lookups(w), MON_10, 'Not/AZone'), TypeError);
});

test('every reason code was produced above', () => {
  // Visitor-pass reasons are produced in test/firmware/access/passes.test.ts, plate and
  // anti-passback ones in test/firmware/access/plate-decisions.test.ts.
  const PLATE_REASONS: string[] = ['anti-passback', 'ambiguous-plate', 'guard-no-answer'];
  assert.equal([...seen].sort(), ACCESS_REASONS.filter((r) => !r.startsWith('pass-') && !PLATE_REASONS.includes(r)).sort());
});

test.run();
