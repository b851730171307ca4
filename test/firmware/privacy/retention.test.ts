import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { AccessService, FACE_CONSENT } from '../../../firmware/access/index.js';
import { RetentionPolicy } from '../../../firmware/privacy/retention.js';
import { FaceSnapshots, Store } from '../../../firmware/store/index.js';

const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'limen-retention-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('stranger data older than N days goes (deleted when acknowledged, stripped when not); snapshots too; the rest stays', () => {
  const clock = new FakeClock();
  const store = Store.open({ path: join(dir, 'r.sqlite'), terminalId: 't1', clock });
  const t0 = clock.now();
  const stranger = (ts: number) => store.events.append({ type: 'face.stranger', ts, result: 'denied', reason: 'stranger', data: { score: 0.2, liveness: 0.9 } });
  stranger(t0);
  store.events.append({ type: 'face.spoof-suspected', ts: t0, result: 'denied', reason: 'spoof-suspected', data: { score: 0.8, liveness: 0.1 } });
  store.events.append({ type: 'access.granted', ts: t0, result: 'granted', reason: 'granted', personId: 'p1' });
  const unacked = stranger(t0);
  store.events.ack(3);
  const snapshots = new FaceSnapshots(store, randomBytes(32));
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
  snapshots.add({ jpeg, ts: t0 - 10 * DAY, eventSeq: 1 });
  const fresh = snapshots.add({ jpeg, ts: t0, eventSeq: 2 });
  const kept = () => snapshots.list().map((s) => s.id);

  const policy = new RetentionPolicy({ store, clock, strangerDays: 7, snapshotDays: 7, intervalMs: DAY });
  assert.equal(policy.run(), { strangerEventsDeleted: 0, strangerEventsStripped: 0, snapshotsDeleted: 1 }, 'nothing is 7 days old yet except the old snapshot');
  assert.equal(kept(), [fresh.id]);

  clock.advance(7 * DAY + 1);
  policy.start(); // runs at once, then daily
  const rows = store.db.prepare('SELECT seq, type, data FROM events ORDER BY seq').all() as Array<{ seq: number; type: string; data: string | null }>;
  assert.equal(rows, [
    { seq: 3, type: 'access.granted', data: null },
    { seq: unacked.seq, type: 'face.stranger', data: null },
  ]);
  assert.equal(kept(), [], 'the fresh snapshot is now 7 days old too');

  // The timer keeps going: an acknowledged stranger event from today goes 7 days later.
  const later = stranger(clock.now());
  store.events.ack(later.seq);
  clock.advance(7 * DAY);
  assert.is(store.db.prepare('SELECT count(*) FROM events WHERE seq = ?').pluck().get(later.seq), 1);
  clock.advance(DAY);
  assert.is(store.db.prepare('SELECT count(*) FROM events WHERE seq = ?').pluck().get(later.seq), 0);
  policy.stop();
  store.close();
});

test('a non-face credential is always possible: without face consent, and after it is withdrawn', () => {
  const clock = new FakeClock();
  const store = Store.open({ path: ':memory:', terminalId: 't1', clock });
  const access = new AccessService({ store, timeZone: 'UTC', clock });
  const repo = access.repository;
  repo.addGroup({ id: 'staff', name: 'Staff' });
  repo.addPerson({ id: 'p1', name: 'No Face', groupIds: ['staff'] });
  repo.addCard('p1', '123456');
  repo.addPin('p1', '4821');
  repo.addFaceCredential('p1');
  assert.is(access.present({ type: 'face', personId: 'p1', score: 0.9, liveness: 0.9 }).decision.reason, 'no-face-consent');
  assert.is(access.present({ type: 'card', value: '123456' }).decision.result, 'granted');
  repo.grantConsent('p1', FACE_CONSENT, { source: 'kiosk' });
  assert.is(access.present({ type: 'face', personId: 'p1', score: 0.9, liveness: 0.9 }).decision.result, 'granted');
  repo.revokeConsent('p1', FACE_CONSENT);
  assert.is(access.present({ type: 'face', personId: 'p1', score: 0.9, liveness: 0.9 }).decision.reason, 'no-face-consent');
  assert.is(access.present({ type: 'card', value: '123456' }).decision.result, 'granted');
  assert.is(access.present({ type: 'pin', value: '4821' }).decision.result, 'granted');
  store.close();
});

test.run();
