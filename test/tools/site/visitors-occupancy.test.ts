/**
 * Visitors, passes, visits, positions/occupancy, trajectories and access rules in the
 * site store, on SQLite and (when installed) PostgreSQL. Presence is driven with the
 * events an ingest would hand it.
 */
import * as assert from 'uvu/assert';
import { startPresence } from '../../../tools/site/presence.js';
import type { IngestedEvent } from '../../../tools/site/ingest.js';
import {
  accessRules,
  addResidency,
  closeExpiredVisits,
  createPass,
  createPerson,
  createUnit,
  createZone,
  getPass,
  hostPathTerminals,
  insertEvent,
  occupancy,
  placeTerminal,
  purgeExpiredPhotos,
  putGroup,
  putHoliday,
  putSchedule,
  registerVisitor,
  removeSchedule,
  stillInside,
  trajectory,
  visitsBetween,
  type SiteStore,
} from '../../../tools/site/store/index.js';
import { onEveryDatabase } from './helpers/databases.js';
import { rejects } from './helpers/rejects.js';

const SECRET = Buffer.alloc(32, 5);
const H = 3600_000;

/** Gate (community) > compound > building B3 with unit 3-101; building B4 beside it. */
async function community(store: SiteStore) {
  const { db } = store;
  const gate = await createZone(db, { parentId: null, kind: 'community', name: 'Gate' });
  const compound = await createZone(db, { parentId: gate.id, kind: 'compound', name: 'North' });
  const b3 = await createZone(db, { parentId: compound.id, kind: 'building', name: 'B3' });
  const b4 = await createZone(db, { parentId: compound.id, kind: 'building', name: 'B4' });
  await placeTerminal(db, { id: 'gate-in', zoneId: gate.id, role: 'gate', direction: 'in' });
  await placeTerminal(db, { id: 'gate-out', zoneId: gate.id, role: 'gate', direction: 'out' });
  await placeTerminal(db, { id: 'north', zoneId: compound.id, role: 'compound-entrance', direction: 'both' });
  await placeTerminal(db, { id: 'b3-door', zoneId: b3.id, role: 'building-door', direction: 'in' });
  await placeTerminal(db, { id: 'b4-door', zoneId: b4.id, role: 'building-door', direction: 'in' });
  const flat = await createUnit(db, { zoneId: b3.id, kind: 'flat', label: '3-101' });
  return { gate, compound, b3, b4, flat };
}

/** A presence tracker fed by hand, and a way to wait until it applied an event. */
function presenceOf(store: SiteStore, now = () => 10 * H) {
  const listeners = new Set<(e: IngestedEvent) => void>();
  const presence = startPresence({ store, source: { onStored: (l) => (listeners.add(l), () => void listeners.delete(l)) }, now });
  let seq = 0;
  const feed = async (e: Partial<IngestedEvent> & { terminal: string; ts: number; zoneId: number | null; direction: 'in' | 'out' | null }) => {
    const event: IngestedEvent = { seq: ++seq, type: 'access.granted', result: 'granted', reason: null, personId: null, credentialType: null, credentialRef: null, ...e };
    await insertEvent(store.db, event, { zone_id: event.zoneId, direction: event.direction ?? 'both' });
    const applied = new Promise<void>((resolve) => {
      const off = presence.onApplied((a) => {
        if (a === event) {
          off();
          resolve();
        }
      });
    });
    for (const l of listeners) l(event);
    await applied;
  };
  return { presence, feed };
}

await onEveryDatabase('site visitors and occupancy', (test, open) => {
  test('a visitor: ID number masked and keyed-hashed, a photo only with consent and a future retention date', async () => {
    const store = await open();
    const { flat } = await community(store);
    const base = { name: 'Wang Fang', hostUnitId: flat.id, expectedFrom: 9 * H, expectedUntil: 12 * H };
    const v = await registerVisitor(store.db, SECRET, { ...base, idNumber: '11010519491231002X', phone: '13800000000', plate: '京a·12345', purpose: 'delivery' }, 8 * H);
    const raw = await store.db.selectFrom('visitors').selectAll().where('id', '=', v.id).executeTakeFirstOrThrow();
    assert.is(raw.id_doc_masked, '110***********002X');
    assert.not.ok(JSON.stringify(raw).includes('19491231'));
    assert.is(raw.plate, '京A12345');
    await rejects(registerVisitor(store.db, SECRET, { ...base, plate: 'JINGA12345' }, 8 * H), 'INVALID');
    const photo = { mime: 'image/png' as const, data: 'iVBORw0KGgo=' };
    await rejects(registerVisitor(store.db, SECRET, { ...base, photo }, 8 * H), 'INVALID');
    const consent = { givenAt: 8 * H, method: 'signed-form', reference: 'F-1' };
    await rejects(registerVisitor(store.db, SECRET, { ...base, photo, consent }, 8 * H), 'INVALID');
    await rejects(registerVisitor(store.db, SECRET, { ...base, photo, consent, retainUntil: 8 * H }, 8 * H), 'INVALID');
    const withPhoto = await registerVisitor(store.db, SECRET, { ...base, photo, consent, retainUntil: 24 * H }, 8 * H);
    await rejects(registerVisitor(store.db, SECRET, { ...base, expectedUntil: 9 * H }, 8 * H), 'INVALID');
    await rejects(registerVisitor(store.db, SECRET, { ...base, hostUnitId: 999 }, 8 * H), 'NOT_FOUND');
    assert.is(await purgeExpiredPhotos(store.db, 23 * H), 0);
    assert.is(await purgeExpiredPhotos(store.db, 24 * H), 1);
    const purged = await store.db.selectFrom('visitors').selectAll().where('id', '=', withPhoto.id).executeTakeFirstOrThrow();
    assert.equal([purged.photo, purged.photo_mime], [null, null]);
  });

  test("a pass is scoped to the terminals on the way to the host's building, not the building next door", async () => {
    const store = await open();
    const { flat } = await community(store);
    assert.equal(await hostPathTerminals(store.db, flat.id), ['b3-door', 'gate-in', 'gate-out', 'north']);
    const v = await registerVisitor(store.db, SECRET, { name: 'V', hostUnitId: flat.id, expectedFrom: 0, expectedUntil: H });
    await rejects(createPass(store.db, { visitorId: v.id, terminals: [], kid: 'k1', validFrom: 0, validUntil: H, maxUses: 2 }), 'INVALID');
    const many = Array.from({ length: 17 }, (_, i) => `t${i}`);
    await rejects(createPass(store.db, { visitorId: v.id, terminals: many, kid: 'k1', validFrom: 0, validUntil: H, maxUses: 2 }), 'INVALID');
    const pass = await createPass(store.db, { visitorId: v.id, terminals: ['gate-in'], kid: 'k1', validFrom: 0, validUntil: H, maxUses: 2 });
    assert.match(pass.id, /^vp-/);
  });

  test('a pass used at the gate opens a visit; uses are counted across the zone and the pass is used up at maxUses; exit through the gate closes the visit', async () => {
    const store = await open();
    const { gate, compound, b3, flat } = await community(store);
    const v = await registerVisitor(store.db, SECRET, { name: 'Zhao Lei', hostUnitId: flat.id, expectedFrom: 9 * H, expectedUntil: 12 * H });
    const pass = await createPass(store.db, { visitorId: v.id, terminals: await hostPathTerminals(store.db, flat.id), kid: 'k1', validFrom: 9 * H, validUntil: 12 * H, maxUses: 3 });
    const { feed, presence } = presenceOf(store);
    const ref = { credentialType: 'qr', credentialRef: `pass:${pass.id}` };
    await feed({ terminal: 'gate-in', ts: 9 * H + 1, zoneId: gate.id, direction: 'in', ...ref });
    assert.equal((await stillInside(store.db)).map((r) => [r.visitorName, r.enteredTerminal, r.passId]), [['Zhao Lei', 'gate-in', pass.id]]);
    await feed({ terminal: 'north', ts: 9 * H + 2, zoneId: compound.id, direction: 'in', ...ref });
    await feed({ terminal: 'b3-door', ts: 9 * H + 3, zoneId: b3.id, direction: 'in', ...ref });
    assert.is((await stillInside(store.db)).length, 1, 'one visit through three doors');
    const after = await getPass(store.db, pass.id);
    assert.is(after.uses, 3);
    assert.ok(after.revoked_at !== null, 'used up across the zone at maxUses');
    let occ = new Map((await occupancy(store.db)).map((o) => [o.zoneId, o]));
    assert.equal([occ.get(gate.id)!.visitors, occ.get(compound.id)!.visitors, occ.get(b3.id)!.visitors], [1, 1, 1]);
    // A denied attempt moves nobody and counts no use.
    await feed({ terminal: 'gate-in', ts: 9 * H + 4, zoneId: gate.id, direction: 'in', result: 'denied', ...ref });
    assert.is((await getPass(store.db, pass.id)).uses, 3);
    // Leaving the building keeps the visitor inside the compound; leaving through the gate ends the visit.
    await feed({ terminal: 'b3-door', ts: 10 * H, zoneId: b3.id, direction: 'out', ...ref });
    occ = new Map((await occupancy(store.db)).map((o) => [o.zoneId, o]));
    assert.equal([occ.get(gate.id)!.visitors, occ.get(b3.id)!.visitors], [1, 0]);
    assert.is((await stillInside(store.db)).length, 1);
    await feed({ terminal: 'gate-out', ts: 10 * H + 5, zoneId: gate.id, direction: 'out', ...ref });
    assert.equal(await stillInside(store.db), []);
    const [visit] = await visitsBetween(store.db, 0, 24 * H);
    assert.equal([visit!.closed, visit!.exitedAt], ['exit', 10 * H + 5]);
    assert.is((await occupancy(store.db)).find((o) => o.zoneId === gate.id)!.visitors, 0);
    presence.stop();
  });

  test('onUsedUp is told once when the zone-wide count reaches maxUses', async () => {
    const store = await open();
    const { gate, compound, flat } = await community(store);
    const v = await registerVisitor(store.db, SECRET, { name: 'V', hostUnitId: flat.id, expectedFrom: 0, expectedUntil: 12 * H });
    const pass = await createPass(store.db, { visitorId: v.id, terminals: ['gate-in', 'north'], kid: 'k1', validFrom: 0, validUntil: 12 * H, maxUses: 2 });
    const listeners = new Set<(e: IngestedEvent) => void>();
    const told: string[] = [];
    const presence = startPresence({ store, source: { onStored: (l) => (listeners.add(l), () => void listeners.delete(l)) }, onUsedUp: (p) => void told.push(p.id) });
    const done = new Promise<void>((resolve) => {
      let n = 0;
      presence.onApplied(() => ++n === 3 && resolve());
    });
    for (const [seq, terminal, zoneId] of [[1, 'gate-in', gate.id], [2, 'north', compound.id], [3, 'north', compound.id]] as const) {
      const e = { terminal, seq, ts: seq, type: 'access.granted', result: 'granted', reason: null, personId: null, credentialType: 'qr', credentialRef: `pass:${pass.id}`, zoneId, direction: 'in' } as const;
      // Stored first, as the ingest does: presence applies the stored row.
      await insertEvent(store.db, e, { zone_id: zoneId, direction: 'in' });
      for (const l of listeners) l(e);
    }
    await done;
    assert.equal(told, [pass.id]);
    assert.is((await getPass(store.db, pass.id)).uses, 3, 'a use the terminal allowed offline is still counted');
  });

  test("a visit closes when its pass expires; positions: the later passage wins, residents and unknown persons counted apart", async () => {
    const store = await open();
    const { gate, b3, flat } = await community(store);
    await createPerson(store.db, SECRET, { id: 'ann', name: 'Ann' });
    await addResidency(store.db, { personId: 'ann', unitId: flat.id, role: 'owner', moveIn: 0 });
    const v = await registerVisitor(store.db, SECRET, { name: 'V', hostUnitId: flat.id, expectedFrom: 0, expectedUntil: 12 * H });
    const pass = await createPass(store.db, { visitorId: v.id, terminals: ['gate-in'], kid: 'k1', validFrom: 0, validUntil: 2 * H, maxUses: 5 });
    const { feed } = presenceOf(store);
    await feed({ terminal: 'gate-in', ts: H, zoneId: gate.id, direction: 'in', credentialType: 'qr', credentialRef: `pass:${pass.id}` });
    await feed({ terminal: 'b3-door', ts: 5 * H, zoneId: b3.id, direction: 'in', personId: 'ann' });
    // An older passage arriving late (another terminal's backlog) does not move Ann back out.
    await feed({ terminal: 'gate-out', ts: 4 * H, zoneId: gate.id, direction: 'out', personId: 'ann' });
    await feed({ terminal: 'gate-in', ts: 5 * H, zoneId: gate.id, direction: 'in', personId: 'stranger-7' });
    const occ = new Map((await occupancy(store.db)).map((o) => [o.zoneId, o]));
    assert.equal(occ.get(gate.id), { zoneId: gate.id, residents: 1, visitors: 1, unknown: 1, vehicles: 0 });
    assert.equal(occ.get(b3.id), { zoneId: b3.id, residents: 1, visitors: 0, unknown: 0, vehicles: 0 });
    assert.is(await closeExpiredVisits(store.db, 2 * H - 1), 0);
    assert.is(await closeExpiredVisits(store.db, 2 * H), 1);
    assert.equal(await stillInside(store.db), []);
    assert.equal((await visitsBetween(store.db, 0, 24 * H)).map((x) => [x.closed, x.exitedAt]), [['expired', 2 * H]]);
    assert.is((await occupancy(store.db)).find((o) => o.zoneId === gate.id)!.visitors, 0);
    // Ann's day, in time order, with the zone of each passage.
    const day = await trajectory(store.db, 'ann', 0, 24 * H);
    assert.equal(day.map((s) => [s.ts, s.terminal, s.zoneName, s.direction]), [[4 * H, 'gate-out', 'Gate', 'out'], [5 * H, 'b3-door', 'B3', 'in']]);
    await rejects(trajectory(store.db, 'ann', 5, 5), 'INVALID');
  });

  test('schedules, holidays and groups: validated, a schedule in use cannot go, read back in a stable order', async () => {
    const { db } = await open();
    await putSchedule(db, { id: 'office', name: 'Office', weekly: { mon: ['08:00-12:00', '13:00-18:00'], sat: ['09:00-24:00'] }, holidayIntervals: [] });
    await rejects(putSchedule(db, { id: 'x', name: 'x', weekly: { mon: ['18:00-08:00'] }, holidayIntervals: [] }), 'INVALID');
    await rejects(putSchedule(db, { id: 'x', name: 'x', weekly: { mon: ['8:00-9:00'] }, holidayIntervals: [] }), 'INVALID');
    await rejects(putSchedule(db, { id: 'x', name: 'x', weekly: { funday: ['08:00-09:00'] } as never, holidayIntervals: [] }), 'INVALID');
    await putHoliday(db, { date: '2026-10-01', name: 'National Day' });
    await rejects(putHoliday(db, { date: '2026-02-30', name: 'no' }), 'INVALID');
    await putGroup(db, { id: 'cleaners', name: 'Cleaners', scheduleId: 'office' });
    await putGroup(db, { id: 'residents', name: 'Residents', scheduleId: null });
    await rejects(putGroup(db, { id: 'g', name: 'g', scheduleId: 'nope' }), 'NOT_FOUND');
    await rejects(removeSchedule(db, 'office'), 'CONFLICT');
    assert.equal(await accessRules(db), {
      schedules: [{ id: 'office', name: 'Office', weekly: { mon: ['08:00-12:00', '13:00-18:00'], sat: ['09:00-24:00'] }, holidayIntervals: [] }],
      holidays: [{ date: '2026-10-01', name: 'National Day' }],
      groups: [
        { id: 'cleaners', name: 'Cleaners', scheduleId: 'office' },
        { id: 'residents', name: 'Residents', scheduleId: null },
      ],
    });
  });
});
