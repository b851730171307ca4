// Plates through the access core: residents' plates, visitors' vehicles with their
// validity, the unknown-plate policy, and anti-passback per zone for every credential.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AccessService, AntiPassback, decide, type AccessServiceOptions } from '../../../firmware/access/index.js';
import type { EventData } from '@limen/sdk/protocol';
import { Store, type StoredEvent } from '../../../firmware/store/index.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';

const HOUR = 3_600_000;

/** The vehicle data of an access event. */
function vehicleOf(event: StoredEvent): EventData<'access.granted'>['vehicle'] {
  return (event.data as EventData<'access.granted'> | null)?.vehicle;
}

function setup(options: Partial<AccessServiceOptions> & { path?: string; antiPassbackDirection?: 'in' | 'out'; resetAfterMs?: number | null } = {}) {
  const clock = new FakeClock(Date.UTC(2026, 0, 5, 9));
  const store = Store.open({ path: options.path ?? ':memory:', terminalId: 'gate-1', clock });
  const apb = options.antiPassbackDirection
    ? { state: new AntiPassback({ store, zone: 'north', resetAfterMs: options.resetAfterMs ?? null }), direction: options.antiPassbackDirection }
    : undefined;
  const access = new AccessService({ store, timeZone: 'UTC', clock, ...options, ...(apb && { antiPassback: apb }) });
  const repo = access.repository;
  if (!repo.getPerson('ann')) {
    repo.addGroup({ id: 'residents', name: 'Residents', scheduleId: null });
    repo.addPerson({ id: 'ann', name: 'Ann', groupIds: ['residents'] });
    repo.addPlate('ann', '京A12345');
    repo.addCard('ann', '4242');
    const now = clock.now();
    repo.addPerson({ id: 'visitor-1', name: 'Visitor', groupIds: ['residents'], validFrom: now - 4 * HOUR, validUntil: now - HOUR });
    repo.addPlate('visitor-1', '沪B54321');
  }
  return { clock, store, access };
}

test('a resident plate is granted and the event names the plate, the camera and the snapshot', () => {
  const { store, access } = setup();
  const { decision, event } = access.present({ type: 'plate', value: '京A12345', colour: 'blue', direction: 'in', cameraId: 'lane-1', snapshotId: 'snap-1', confidence: 0.93 });
  assert.is(decision.result, 'granted');
  assert.is(event.personId, 'ann');
  assert.is(event.credentialType, 'plate');
  assert.is(event.credentialRef, '京A12345');
  assert.equal(vehicleOf(event), { plate: '京A12345', colour: 'blue', direction: 'in', cameraId: 'lane-1', snapshotId: 'snap-1', confidence: 0.93 });
  store.close();
});

test("a visitor's vehicle past its person's validity is denied", () => {
  const { store, access } = setup();
  const { decision } = access.present({ type: 'plate', value: '沪B54321' });
  assert.equal([decision.result, decision.reason], ['denied', 'person-expired']);
  store.close();
});

test('a read that is no plate is malformed and logged as read', () => {
  const { store, access } = setup();
  const { decision, event } = access.present({ type: 'plate', value: '??' });
  assert.is(decision.reason, 'malformed-credential');
  assert.is(event.credentialRef, null);
  assert.is(vehicleOf(event)?.plate, '??');
  store.close();
});

test('an unknown plate is denied by default, let through and marked under allow-and-record', () => {
  const denied = setup();
  assert.is(denied.access.present({ type: 'plate', value: '粤C11111' }).decision.reason, 'unknown-credential');
  denied.store.close();
  const allowed = setup({ unknownPlate: 'allow-and-record' });
  const { decision, event } = allowed.access.present({ type: 'plate', value: '粤C11111' });
  assert.is(decision.result, 'granted');
  assert.is(event.personId, null);
  assert.is(vehicleOf(event)?.admittedBy, 'policy');
  // The policy is for unknown plates only: an expired visitor stays out.
  assert.is(allowed.access.present({ type: 'plate', value: '沪B54321' }).decision.reason, 'person-expired');
  allowed.store.close();
});

test('ask-guard: the preview records nothing; the guard approves or does not answer', () => {
  const { store, access } = setup({ unknownPlate: 'ask-guard' });
  assert.is(access.preview({ type: 'plate', value: '粤C11111' }).reason, 'unknown-credential');
  assert.is(store.events.query({}).length, 0);
  const approved = access.present({ type: 'plate', value: '粤C11111' }, { guard: 'approved' });
  assert.is(approved.decision.result, 'granted');
  assert.is(vehicleOf(approved.event)?.admittedBy, 'guard');
  const unanswered = access.present({ type: 'plate', value: '粤C22222' }, { guard: 'no-answer' });
  assert.equal([unanswered.decision.result, unanswered.decision.reason], ['denied', 'guard-no-answer']);
  store.close();
});

test('anti-passback: a second entry without an exit is denied; the exit clears it', () => {
  const { store, access } = setup({ antiPassbackDirection: 'in' });
  assert.is(access.present({ type: 'plate', value: '京A12345', direction: 'in' }).decision.result, 'granted');
  const again = access.present({ type: 'plate', value: '京A12345', direction: 'in' });
  assert.equal([again.decision.result, again.decision.reason, again.event.personId], ['denied', 'anti-passback', 'ann']);
  // Every credential type of the person counts: her card cannot enter either.
  assert.is(access.present({ type: 'card', value: '4242' }).decision.reason, 'anti-passback');
  assert.is(access.present({ type: 'plate', value: '京A12345', direction: 'out' }).decision.result, 'granted');
  assert.is(access.present({ type: 'card', value: '4242' }).decision.result, 'granted');
  store.close();
});

test('anti-passback state survives a restart, and a passage older than resetAfterMs no longer blocks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-apb-'));
  try {
    const path = join(dir, 't.db');
    const first = setup({ path, antiPassbackDirection: 'in', resetAfterMs: 8 * HOUR });
    assert.is(first.access.present({ type: 'card', value: '4242' }).decision.result, 'granted');
    first.store.close();
    const second = setup({ path, antiPassbackDirection: 'in', resetAfterMs: 8 * HOUR });
    assert.is(second.access.present({ type: 'card', value: '4242' }).decision.reason, 'anti-passback');
    second.clock.advance(8 * HOUR);
    assert.is(second.access.present({ type: 'card', value: '4242' }).decision.result, 'granted');
    second.store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('anti-passback tracks unknown plates let through by their plate, and is off by default', () => {
  const { store, access } = setup({ antiPassbackDirection: 'in', unknownPlate: 'allow-and-record' });
  assert.is(access.present({ type: 'plate', value: '粤C11111' }).decision.result, 'granted');
  assert.is(access.present({ type: 'plate', value: '粤C11111' }).decision.reason, 'anti-passback');
  store.close();
  const off = setup();
  assert.is(off.access.present({ type: 'card', value: '4242' }).decision.result, 'granted');
  assert.is(off.access.present({ type: 'card', value: '4242' }).decision.result, 'granted');
  off.store.close();
});

test('a denied entry leaves the anti-passback state as it was', () => {
  const { store, access } = setup({ antiPassbackDirection: 'in' });
  access.present({ type: 'plate', value: '沪B54321', direction: 'in' });
  assert.is(store.db.prepare('SELECT COUNT(*) FROM anti_passback').pluck().get(), 0);
  store.close();
});

test('a plate several stored plates match is ambiguous, never a guess', () => {
  const { store, access } = setup();
  const lookups = Object.assign(Object.create(access.repository) as typeof access.repository, { findPlate: () => 'ambiguous' as const });
  const decision = decide({ type: 'plate', value: '京A12346' }, lookups, Date.UTC(2026, 0, 5, 9), 'UTC', undefined, { plateMatch: 'one-edit' });
  assert.equal([decision.result, decision.reason], ['denied', 'ambiguous-plate']);
  store.close();
});

test.run();
