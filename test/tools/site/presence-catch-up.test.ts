/**
 * Presence after a crash: events the ingest committed (and the terminals saw
 * acknowledged) while presence never ran are applied when the site starts again, once
 * each, in time order; several sites sharing one PostgreSQL store apply each once
 * between them. On SQLite and (when installed) PostgreSQL.
 */
import * as assert from 'uvu/assert';
import { startPresence, type Presence } from '../../../tools/site/presence.js';
import {
  addResidency,
  createPass,
  createPerson,
  createUnit,
  createZone,
  getPass,
  insertEvents,
  occupancy,
  placeTerminal,
  registerVisitor,
  stillInside,
  visitsBetween,
  type IncomingEvent,
  type SiteStore,
} from '../../../tools/site/store/index.js';
import { onEveryDatabase } from './helpers/databases.js';

const SECRET = Buffer.alloc(32, 7);
const H = 3600_000;

/** Gate (community, in/out) > building B3 (door, in) with unit 3-101; a car park with its barrier. */
async function community(store: SiteStore) {
  const { db } = store;
  const gate = await createZone(db, { parentId: null, kind: 'community', name: 'Gate' });
  const b3 = await createZone(db, { parentId: gate.id, kind: 'building', name: 'B3' });
  const parking = await createZone(db, { parentId: gate.id, kind: 'other', name: 'P1' });
  await placeTerminal(db, { id: 'gate-in', zoneId: gate.id, role: 'gate', direction: 'in' });
  await placeTerminal(db, { id: 'gate-out', zoneId: gate.id, role: 'gate', direction: 'out' });
  await placeTerminal(db, { id: 'b3-door', zoneId: b3.id, role: 'building-door', direction: 'in' });
  await placeTerminal(db, { id: 'park-in', zoneId: parking.id, role: 'gate', direction: 'in' });
  const flat = await createUnit(db, { zoneId: b3.id, kind: 'flat', label: '3-101' });
  return { gate, b3, parking, flat };
}

/** Stores events as the ingest does (each with its terminal's placement), presence not running. */
async function storeEvents(store: SiteStore, events: IncomingEvent[], receivedAt = Date.now()) {
  const placed = new Map((await store.db.selectFrom('terminals').select(['id', 'zone_id', 'direction']).execute()).map((t) => [t.id, t]));
  const stored = await insertEvents(store.db, events.map((event) => ({ event, terminal: placed.get(event.terminal) })), receivedAt);
  assert.ok(stored.every(Boolean), 'all new');
}

/** A presence with no new events coming in (a restarted site). */
function restart(store: SiteStore, told: string[] = []) {
  const presence: Presence = startPresence({ store, source: { onStored: () => () => undefined }, onUsedUp: (p) => void told.push(p.id), sweepEveryMs: 0 });
  return { presence, told };
}

const marked = async (store: SiteStore) => (await store.db.selectFrom('events').select('id').where('presence_pending', 'is not', null).execute()).length;

await onEveryDatabase('site presence catch-up', (test, open, dialect, fresh) => {
  test('granted passages stored while presence never ran (a crash after the commit) are applied at the next start, in time order; a second start applies none again', async () => {
    const url = await fresh();
    const first = await open(url);
    const { gate, b3, parking, flat } = await community(first);
    await createPerson(first.db, SECRET, { id: 'ann', name: 'Ann' });
    await addResidency(first.db, { personId: 'ann', unitId: flat.id, role: 'owner', moveIn: 0 });
    const v = await registerVisitor(first.db, SECRET, { name: 'Zhao Lei', hostUnitId: flat.id, expectedFrom: 0, expectedUntil: 12 * H });
    const pass = await createPass(first.db, { visitorId: v.id, terminals: ['gate-in', 'gate-out', 'b3-door'], kid: 'k1', validFrom: 0, validUntil: 12 * H, maxUses: 3 });
    const ref = { credentialType: 'qr', credentialRef: `pass:${pass.id}` };
    // Stored out of time order: the visitor's exit (seq 3) comes in one round before the entries.
    await storeEvents(first, [{ terminal: 'gate-out', seq: 3, ts: 4 * H, type: 'access.granted', result: 'granted', ...ref }]);
    await storeEvents(first, [
      { terminal: 'gate-in', seq: 1, ts: 1 * H, type: 'access.granted', result: 'granted', ...ref },
      { terminal: 'b3-door', seq: 2, ts: 2 * H, type: 'access.granted', result: 'granted', ...ref },
      { terminal: 'b3-door', seq: 4, ts: 3 * H, type: 'access.granted', result: 'granted', personId: 'ann', credentialType: 'face' },
      { terminal: 'b3-door', seq: 5, ts: 3 * H, type: 'access.denied', result: 'denied', reason: 'unknown-face' },
      { terminal: 'park-in', seq: 6, ts: 3 * H, type: 'access.granted', result: 'granted', personId: 'ann', credentialType: 'plate', data: { vehicle: { plate: '京A12345' } } },
    ]);
    assert.is(await marked(first), 5, 'the granted passages wait for presence; the denied attempt does not');
    assert.is((await getPass(first.db, pass.id)).uses, 0);

    // The site starts again (a new store connection, as a new process would have).
    const second = await open(url);
    const { presence, told } = restart(second);
    await presence.idle();
    assert.is(presence.caughtUp.count, 5);
    const after = await getPass(second.db, pass.id);
    assert.is(after.uses, 3);
    assert.ok(after.revoked_at !== null, 'used up at maxUses');
    assert.equal(told, [pass.id]);
    // In time order the visit opened at the gate and closed at the exit, not the other way round.
    assert.equal(await stillInside(second.db), []);
    assert.equal((await visitsBetween(second.db, 0, 24 * H)).map((x) => [x.enteredTerminal, x.exitedAt, x.closed]), [['gate-in', 4 * H, 'exit']]);
    const occ = new Map((await occupancy(second.db)).map((o) => [o.zoneId, o]));
    assert.equal([occ.get(b3.id)!.residents, occ.get(gate.id)!.visitors, occ.get(parking.id)!.vehicles, occ.get(gate.id)!.vehicles], [1, 0, 1, 1]);
    assert.is(await marked(second), 0);
    presence.stop();

    // Another start: nothing is applied twice.
    const third = await open(url);
    const again = restart(third);
    assert.is(await again.presence.catchUp(), 0);
    await again.presence.idle();
    assert.is(again.presence.caughtUp.count, 0);
    assert.is((await getPass(third.db, pass.id)).uses, 3);
    assert.equal(again.told, []);
    assert.is((await visitsBetween(third.db, 0, 24 * H)).length, 1);
    again.presence.stop();
  });

  test('a live event already applied by a catch-up is not applied again, and the other way round', async () => {
    const store = await open();
    const { flat } = await community(store);
    const v = await registerVisitor(store.db, SECRET, { name: 'V', hostUnitId: flat.id, expectedFrom: 0, expectedUntil: 12 * H });
    const pass = await createPass(store.db, { visitorId: v.id, terminals: ['gate-in'], kid: 'k1', validFrom: 0, validUntil: 12 * H, maxUses: 10 });
    const listeners = new Set<(e: Parameters<Parameters<Presence['onApplied']>[0]>[0]) => void>();
    const presence = startPresence({ store, source: { onStored: (l) => (listeners.add(l), () => void listeners.delete(l)) }, sweepEveryMs: 0 });
    await presence.idle(); // its start-up catch-up found nothing
    const e = { terminal: 'gate-in', seq: 1, ts: H, type: 'access.granted', result: 'granted' as const, credentialType: 'qr', credentialRef: `pass:${pass.id}` };
    await storeEvents(store, [e]);
    assert.is(await presence.catchUp(), 1);
    // The ingest's announcement of the same event comes after: it finds nothing left to do.
    for (const l of listeners) l({ ...e, reason: null, personId: null, zoneId: null, direction: 'in' });
    await presence.idle();
    assert.is((await getPass(store.db, pass.id)).uses, 1);
    assert.is(await presence.catchUp(), 0);
    assert.is((await getPass(store.db, pass.id)).uses, 1);
    presence.stop();
  });

  test('new events arriving together are applied in one go; one presence cannot apply (its zone gone) is logged and given up, the others still applied', async () => {
    const store = await open();
    const { gate } = await community(store);
    await createPerson(store.db, SECRET, { id: 'ann', name: 'Ann' });
    await createPerson(store.db, SECRET, { id: 'bob', name: 'Bob' });
    const listeners = new Set<(e: Parameters<Parameters<Presence['onApplied']>[0]>[0]) => void>();
    const errors: string[] = [];
    const logger = { debug() {}, warn() {}, error: (_o: object, msg?: string) => void errors.push(msg ?? '') };
    const presence = startPresence({ store, source: { onStored: (l) => (listeners.add(l), () => void listeners.delete(l)) }, sweepEveryMs: 0, logger });
    await presence.idle();
    const at = (seq: number, personId: string, zoneId: number) => ({ terminal: 'gate-in', seq, ts: seq * H, type: 'access.granted', result: 'granted' as const, personId, zoneId, direction: 'in' as const });
    const events = [at(1, 'ann', gate.id), at(2, 'bob', gate.id + 1000), at(3, 'bob', gate.id)];
    await insertEvents(store.db, events.map((e) => ({ event: e, terminal: { zone_id: e.zoneId, direction: 'in' } })));
    for (const e of events) for (const l of listeners) l({ ...e, reason: null, credentialType: 'face', credentialRef: null });
    await presence.idle();
    const inside = await store.db.selectFrom('positions').select(['subject', 'zone_id']).orderBy('subject').execute();
    assert.equal(inside.map((p) => [p.subject, p.zone_id]), [['ann', gate.id], ['bob', gate.id]]);
    assert.equal(errors, ['site: presence update failed']);
    assert.is(await marked(store), 0, 'the one it cannot apply is given up, not retried forever');
    presence.stop();
  });

  test('the sweep takes only events marked for longer than its period (younger ones are their own site’s to apply)', async () => {
    const store = await open();
    const { flat } = await community(store);
    const v = await registerVisitor(store.db, SECRET, { name: 'V', hostUnitId: flat.id, expectedFrom: 0, expectedUntil: 12 * H });
    const pass = await createPass(store.db, { visitorId: v.id, terminals: ['gate-in'], kid: 'k1', validFrom: 0, validUntil: 12 * H, maxUses: 10 });
    const { presence } = restart(store);
    await presence.idle();
    const uses = async () => (await getPass(store.db, pass.id)).uses;
    const ref = { type: 'access.granted', result: 'granted' as const, credentialType: 'qr', credentialRef: `pass:${pass.id}` };
    await storeEvents(store, [{ terminal: 'gate-in', seq: 1, ts: H, ...ref }], 1_000);
    await storeEvents(store, [{ terminal: 'gate-in', seq: 2, ts: 2 * H, ...ref }], 5_000);
    assert.is(await presence.catchUp({ receivedBy: 2_000 }), 1);
    assert.is(await uses(), 1);
    assert.is(await marked(store), 1, 'the younger one is still marked');
    assert.is(await presence.catchUp(), 1);
    assert.is(await uses(), 2);
    presence.stop();
  });

  // Several sites on one store (`--share-group`) are a PostgreSQL set-up.
  if (dialect === 'postgres') {
    test('two sites sharing the store catch up on the same marked events at once: each is applied by one of them, the used-up pass told once', async () => {
      const url = await fresh();
      const first = await open(url);
      const { gate, flat } = await community(first);
      const v = await registerVisitor(first.db, SECRET, { name: 'V', hostUnitId: flat.id, expectedFrom: 0, expectedUntil: 12 * H });
      const N = 60;
      const pass = await createPass(first.db, { visitorId: v.id, terminals: ['gate-in', 'gate-out'], kid: 'k1', validFrom: 0, validUntil: 12 * H, maxUses: N });
      const events: IncomingEvent[] = Array.from({ length: N }, (_, i) => ({
        terminal: i % 2 === 0 ? 'gate-in' : 'gate-out',
        seq: i + 1,
        ts: H + i,
        type: 'access.granted',
        result: 'granted',
        credentialType: 'qr',
        credentialRef: `pass:${pass.id}`,
      }));
      await storeEvents(first, events);
      const told: string[] = [];
      const a = restart(await open(url), told);
      const b = restart(await open(url), told);
      await Promise.all([a.presence.idle(), b.presence.idle()]);
      assert.is(a.presence.caughtUp.count + b.presence.caughtUp.count, N, 'no event applied by both');
      assert.is((await getPass(first.db, pass.id)).uses, N);
      assert.equal(told, [pass.id]);
      assert.is(await marked(first), 0);
      // The visitor went out last (an odd count of passages ends at gate-out).
      assert.is((await occupancy(first.db)).find((o) => o.zoneId === gate.id)!.visitors, 0);
      a.presence.stop();
      b.presence.stop();
    });
  }
});
