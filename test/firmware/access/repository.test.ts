import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { AccessError, AccessRepository, type AccessErrorCode } from '../../../firmware/access/index.js';
import { META_KEYS, Store } from '../../../firmware/store/index.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0);

function setup() {
  const clock = new FakeClock(T0);
  const store = Store.open({ path: ':memory:', terminalId: 'T1', clock });
  return { store, clock, repo: new AccessRepository(store) };
}

function codeOf(fn: () => unknown): AccessErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    assert.instance(err, AccessError);
    return (err as AccessError).code;
  }
  return undefined;
}

test('persons: add with generated or given ids, get, list, update', () => {
  const { store, clock, repo } = setup();
  const a = repo.addPerson({ name: 'Ada Lovelace', data: { employee: 7 } });
  assert.match(a.id, /^[A-Za-z0-9_-]{12}$/);
  assert.equal(a, {
    id: a.id,
    name: 'Ada Lovelace',
    enabled: true,
    validFrom: null,
    validUntil: null,
    createdAt: T0,
    updatedAt: T0,
    data: { employee: 7 },
  });
  const b = repo.addPerson({ id: 'bob', name: 'Bob', enabled: false, validUntil: T0 + 1000 });
  assert.is(b.id, 'bob');
  assert.equal(repo.getPerson('bob'), b);
  assert.is(repo.getPerson('nobody'), undefined);
  assert.equal(repo.listPersons().map((p) => p.name), ['Ada Lovelace', 'Bob']);
  assert.equal(repo.listPersons({ enabled: false }).map((p) => p.id), ['bob']);
  clock.advance(5_000);
  const b2 = repo.updatePerson('bob', { enabled: true, name: 'Robert', validUntil: null });
  assert.equal([b2.name, b2.enabled, b2.validUntil, b2.createdAt, b2.updatedAt], ['Robert', true, null, T0, T0 + 5_000]);
  store.close();
});

test('persons: bad input is refused at the edge with a code and a path', () => {
  const { store, repo } = setup();
  repo.addPerson({ id: 'ada', name: 'Ada' });
  assert.is(codeOf(() => repo.addPerson({ id: 'ada', name: 'Again' })), 'ALREADY_EXISTS');
  assert.is(codeOf(() => repo.addPerson({ name: '' })), 'INVALID_INPUT');
  assert.is(codeOf(() => repo.addPerson({ id: 'has space', name: 'X' })), 'INVALID_INPUT');
  assert.is(codeOf(() => repo.addPerson({ name: 'X', validFrom: 10, validUntil: 5 })), 'INVALID_INPUT');
  assert.is(codeOf(() => repo.addPerson({ name: 'X', groupIds: ['no-such-group'] })), 'NOT_FOUND');
  assert.is(repo.listPersons().length, 1, 'a failed add leaves nothing behind');
  assert.is(codeOf(() => repo.updatePerson('nobody', { name: 'X' })), 'NOT_FOUND');
  assert.is(codeOf(() => repo.updatePerson('ada', { validFrom: 10, validUntil: 5 })), 'INVALID_INPUT');
  try {
    repo.addPerson({ name: 'X', surprise: 1 } as never);
  } catch (err) {
    assert.match((err as Error).message, /^invalid person: .*surprise/);
  }
  store.close();
});

test('groups and schedules: memberships, always-groups, schedule in use', () => {
  const { store, repo } = setup();
  const s = repo.addSchedule({ id: 'office', name: 'Office', weekly: { mon: ['08:00-18:00'] } });
  assert.equal(s, { id: 'office', name: 'Office', weekly: { mon: ['08:00-18:00'] }, holidayIntervals: [] });
  const staff = repo.addGroup({ id: 'staff', name: 'Staff', scheduleId: 'office' });
  const admins = repo.addGroup({ id: 'admins', name: 'Admins' });
  assert.is(admins.scheduleId, null);
  assert.is(codeOf(() => repo.addGroup({ name: 'X', scheduleId: 'missing' })), 'NOT_FOUND');
  repo.addPerson({ id: 'ada', name: 'Ada', groupIds: ['staff'] });
  repo.addPersonToGroup('ada', 'admins');
  repo.addPersonToGroup('ada', 'admins');
  assert.equal(repo.groupsOf('ada').map((g) => g.id), ['admins', 'staff']);
  assert.equal(repo.listPersons({ groupId: 'staff' }).map((p) => p.id), ['ada']);
  assert.ok(repo.removePersonFromGroup('ada', 'admins'));
  assert.not.ok(repo.removePersonFromGroup('ada', 'admins'));
  repo.setPersonGroups('ada', ['admins']);
  assert.equal(repo.groupsOf('ada').map((g) => g.id), ['admins']);
  assert.is(codeOf(() => repo.addPersonToGroup('ada', 'ghosts')), 'NOT_FOUND');

  assert.is(codeOf(() => repo.removeSchedule('office')), 'IN_USE');
  assert.equal(repo.updateGroup('staff', { scheduleId: null }), { ...staff, scheduleId: null });
  assert.ok(repo.removeSchedule('office'));
  assert.not.ok(repo.removeSchedule('office'));
  assert.is(codeOf(() => repo.addSchedule({ name: 'night', weekly: { mon: ['22:00-06:00'] } })), 'INVALID_INPUT');
  assert.is(codeOf(() => repo.addSchedule({ name: 'x', weekly: { funday: ['08:00-09:00'] } as never })), 'INVALID_INPUT');
  const s2 = repo.addSchedule({ name: 'late', weekly: { fri: ['20:00-24:00'] }, holidayIntervals: ['10:00-12:00'] });
  assert.equal(repo.updateSchedule(s2.id, { weekly: {} }).weekly, {});
  assert.equal(repo.listSchedules().map((x) => x.name), ['late']);
  assert.ok(repo.removeGroup('admins'));
  assert.equal(repo.groupsOf('ada'), []);
  store.close();
});

test('holidays: set, rename, list, remove; dates are checked', () => {
  const { store, repo } = setup();
  repo.setHoliday('2026-12-25', 'Christmas');
  repo.setHoliday('2026-01-01');
  repo.setHoliday('2026-12-25', 'Xmas');
  assert.equal(repo.listHolidays(), [
    { date: '2026-01-01', name: '' },
    { date: '2026-12-25', name: 'Xmas' },
  ]);
  assert.equal(repo.listHolidays({ from: '2026-06-01' }).map((h) => h.date), ['2026-12-25']);
  assert.ok(repo.isHoliday('2026-01-01'));
  assert.ok(repo.removeHoliday('2026-01-01'));
  assert.not.ok(repo.isHoliday('2026-01-01'));
  assert.is(codeOf(() => repo.setHoliday('2026-02-30')), 'INVALID_INPUT');
  assert.is(codeOf(() => repo.setHoliday('25.12.2026')), 'INVALID_INPUT');
  store.close();
});

test('cards: stored normalised, found in any spelling, unique across persons', () => {
  const { store, repo } = setup();
  repo.addPerson({ id: 'ada', name: 'Ada' });
  repo.addPerson({ id: 'bob', name: 'Bob' });
  const c = repo.addCard('ada', '000123', { label: 'blue fob' });
  assert.equal([c.type, c.valueKey, c.label, c.personId, c.enabled], ['card', '123', 'blue fob', 'ada', true]);
  assert.equal(repo.findCredential('card', '123'), c);
  assert.equal(repo.findCredential('card', '0123'), c);
  assert.is(repo.findCredential('card', '124'), undefined);
  assert.is(codeOf(() => repo.addCard('bob', '123')), 'ALREADY_EXISTS');
  assert.is(codeOf(() => repo.addCard('bob', '12a4')), 'INVALID_CARD_NUMBER');
  assert.is(codeOf(() => repo.findCredential('card', 'x')), 'INVALID_CARD_NUMBER');
  assert.is(codeOf(() => repo.addCard('nobody', '555')), 'NOT_FOUND');
  assert.is(codeOf(() => repo.addCard('bob', '556', { validFrom: 5, validUntil: 1 })), 'INVALID_INPUT');
  const u = repo.updateCredential(c.id, { enabled: false, validUntil: T0 + 1 });
  assert.equal([u.enabled, u.validUntil], [false, T0 + 1]);
  assert.equal(repo.listCredentials({ personId: 'ada' }).map((x) => x.id), [c.id]);
  assert.ok(repo.removeCredential(c.id));
  assert.not.ok(repo.removeCredential(c.id));
  assert.is(codeOf(() => repo.updateCredential(c.id, { enabled: true })), 'NOT_FOUND');
  store.close();
});

test('PINs: only an HMAC is stored; lookup by equality; no two persons share one', () => {
  const { store, repo } = setup();
  repo.addPerson({ id: 'ada', name: 'Ada' });
  repo.addPerson({ id: 'bob', name: 'Bob' });
  const p = repo.addPin('ada', '482913');
  assert.is(p.type, 'pin');
  assert.not.ok(p.valueKey.includes('482913'));
  assert.match(p.valueKey, /^[0-9a-f]{64}$/);
  const dump = JSON.stringify(store.db.prepare('SELECT * FROM credentials').all()) + JSON.stringify(store.db.prepare('SELECT * FROM meta').all());
  assert.not.ok(dump.includes('482913'), 'the PIN appears nowhere in the database');
  assert.equal(repo.findCredential('pin', '482913'), p);
  assert.is(repo.findCredential('pin', '482914'), undefined);
  assert.is(codeOf(() => repo.addPin('bob', '482913')), 'ALREADY_EXISTS');
  assert.is(codeOf(() => repo.addPin('bob', '123')), 'INVALID_PIN');
  assert.is(codeOf(() => repo.findCredential('pin', '12345678901')), 'INVALID_PIN');
  store.close();
});

test('face credential: marks the person as face-enrolled, idempotently', () => {
  const { store, repo } = setup();
  repo.addPerson({ id: 'ada', name: 'Ada' });
  const f = repo.addFaceCredential('ada');
  assert.equal([f.type, f.valueKey], ['face', 'ada']);
  assert.equal(repo.addFaceCredential('ada'), f);
  assert.equal(repo.findCredential('face', 'ada'), f);
  assert.is(codeOf(() => repo.addFaceCredential('nobody')), 'NOT_FOUND');
  store.close();
});

function addTemplate(store: Store, id: string, personId: string): void {
  store.db
    .prepare("INSERT INTO face_templates (id, person_id, model_id, dim, template, created_at) VALUES (?, ?, 'm', 4, ?, 0)")
    .run(id, personId, Buffer.alloc(16));
}

test('consents: grant, renew, list; withdrawing face consent erases the templates', () => {
  const { store, clock, repo } = setup();
  repo.addPerson({ id: 'ada', name: 'Ada' });
  const f = repo.addFaceCredential('ada');
  assert.not.ok(repo.hasConsent('ada', 'face'));
  repo.grantConsent('ada', 'face', { source: 'kiosk' });
  clock.advance(1_000);
  const renewed = repo.grantConsent('ada', 'face', { source: 'backend' });
  assert.equal(repo.listConsents('ada'), [renewed]);
  assert.equal(renewed, { personId: 'ada', kind: 'face', grantedAt: T0 + 1_000, source: 'backend', record: null });
  // The record a consent came with is kept as given, and a renewal replaces it.
  const recorded = repo.grantConsent('ada', 'face', { source: 'fleet:app', grantedAt: T0, record: { subject: 'Ada', method: 'app' } });
  assert.equal(repo.listConsents('ada'), [recorded]);
  assert.equal(recorded.record, { subject: 'Ada', method: 'app' });
  assert.is(codeOf(() => repo.grantConsent('nobody', 'face', { source: 'x' })), 'NOT_FOUND');
  assert.is(codeOf(() => repo.grantConsent('ada', 'Face Scan!', { source: 'x' })), 'INVALID_INPUT');
  addTemplate(store, 't1', 'ada');
  addTemplate(store, 't2', 'ada');
  const galleryBefore = store.meta.getInt(META_KEYS.templatesVersion);
  assert.ok(repo.revokeConsent('ada', 'face'));
  assert.not.ok(repo.hasConsent('ada', 'face'));
  assert.is(store.db.prepare('SELECT count(*) FROM face_templates').pluck().get(), 0);
  assert.is(store.meta.getInt(META_KEYS.templatesVersion), galleryBefore + 1);
  assert.equal(repo.getCredential(f.id), f, 'the face credential stays; decisions say no-face-consent');
  store.close();
});

test('erasing a person removes everything about them in one go and keeps events pseudonymous', () => {
  const { store, repo } = setup();
  repo.addSchedule({ id: 's', name: 's', weekly: {} });
  repo.addGroup({ id: 'g', name: 'g', scheduleId: 's' });
  repo.addPerson({ id: 'ada', name: 'Ada', groupIds: ['g'] });
  repo.addPerson({ id: 'bob', name: 'Bob', groupIds: ['g'] });
  repo.addCard('ada', '1');
  repo.addPin('ada', '1111');
  repo.addFaceCredential('ada');
  repo.grantConsent('ada', 'face', { source: 'kiosk' });
  addTemplate(store, 't1', 'ada');
  repo.addCard('bob', '2');
  store.events.append({ type: 'access.granted', result: 'granted', personId: 'ada', credentialType: 'card', credentialRef: '1' });
  const gallery = store.meta.getInt(META_KEYS.templatesVersion);

  assert.ok(repo.removePerson('ada'));
  assert.not.ok(repo.removePerson('ada'));
  assert.is(repo.getPerson('ada'), undefined);
  assert.equal(repo.listCredentials({ personId: 'ada' }), []);
  assert.is(repo.findCredential('card', '1'), undefined);
  assert.is(repo.findCredential('pin', '1111'), undefined);
  assert.equal(repo.groupsOf('ada'), []);
  assert.equal(repo.listConsents('ada'), []);
  assert.is(store.db.prepare("SELECT count(*) FROM face_templates WHERE person_id = 'ada'").pluck().get(), 0);
  assert.is(store.meta.getInt(META_KEYS.templatesVersion), gallery + 1, 'vision learns the gallery changed');
  const names = JSON.stringify(store.db.prepare('SELECT * FROM events').all());
  assert.not.ok(names.includes('Ada'));
  assert.is(store.events.query({ personId: 'ada' }).length, 1, 'events keep the id only');
  assert.equal(repo.listPersons({ groupId: 'g' }).map((p) => p.id), ['bob']);
  assert.ok(repo.findCredential('card', '2'));
  store.close();
});

test('changes made through another connection (the CLI) are seen at once: no cache', () => {
  const { store, repo } = setup();
  const other = new AccessRepository(store);
  other.addPerson({ id: 'ada', name: 'Ada' });
  other.addCard('ada', '77');
  assert.is(repo.findCredential('card', '77')?.personId, 'ada');
  store.close();
});

test('listCredentials filters by person, by type, by both, or by neither', () => {
  const { store, repo } = setup();
  repo.addPerson({ id: 'ada', name: 'Ada' });
  repo.addPerson({ id: 'bob', name: 'Bob' });
  repo.addCard('ada', '11');
  repo.addCard('bob', '22');
  repo.addFaceCredential('ada');
  const keys = (f: Parameters<typeof repo.listCredentials>[0]) => repo.listCredentials(f).map((c) => `${c.personId}:${c.type}`);
  assert.equal(keys({}), ['ada:card', 'ada:face', 'bob:card']);
  assert.equal(keys({ personId: 'ada' }), ['ada:card', 'ada:face']);
  assert.equal(keys({ type: 'card' }), ['ada:card', 'bob:card']);
  assert.equal(keys({ personId: 'bob', type: 'face' }), []);
  assert.equal(keys({ personId: 'nobody' }), []);
  store.close();
});

test.run();
