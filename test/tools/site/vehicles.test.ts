/**
 * Vehicles on the site (SQLite, and PostgreSQL when installed): the register and what
 * it sends the terminals (a resident's plates, a unit's car, a visitor's car in their
 * window), plate search over the entry records (confusable characters, parts of a
 * plate), parking occupancy from plate passages, and plates on watch lists raising
 * `plate-appears` alerts in their scope only.
 */
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { startAlertEngine } from '../../../tools/site/alerts/engine.js';
import type { AlertView } from '../../../tools/site/alerts/view.js';
import { wantedTerminals } from '../../../tools/site/galleries.js';
import type { IngestedEvent } from '../../../tools/site/ingest.js';
import { startPresence } from '../../../tools/site/presence.js';
import {
  addListPlate,
  addResidency,
  createPerson,
  createUnit,
  createVehicle,
  createZone,
  insertEvent,
  listsOfPlate,
  listVehicles,
  occupancy,
  placeTerminal,
  putAlertList,
  putAlertRule,
  registerVisitor,
  removeListPlate,
  searchRecords,
  updateVehicle,
  type SiteStore,
} from '../../../tools/site/store/index.js';
import { onEveryDatabase } from './helpers/databases.js';
import { rejects } from './helpers/rejects.js';

const H = 3600_000;
const SECRET = Buffer.alloc(32, 7);

/** Community with a vehicle gate; building B3 (unit 3-101, its door) and B4 (its door). */
async function community(store: SiteStore) {
  const { db } = store;
  const site = await createZone(db, { parentId: null, kind: 'community', name: 'Site' });
  const parking = await createZone(db, { parentId: site.id, kind: 'compound', name: 'Car park' });
  const b3 = await createZone(db, { parentId: site.id, kind: 'building', name: 'B3' });
  const b4 = await createZone(db, { parentId: site.id, kind: 'building', name: 'B4' });
  await placeTerminal(db, { id: 'car-in', zoneId: site.id, role: 'vehicle-gate', direction: 'in' });
  await placeTerminal(db, { id: 'car-out', zoneId: site.id, role: 'vehicle-gate', direction: 'out' });
  await placeTerminal(db, { id: 'park-in', zoneId: parking.id, role: 'vehicle-gate', direction: 'in' });
  await placeTerminal(db, { id: 'b3-door', zoneId: b3.id, role: 'building-door', direction: 'in' });
  await placeTerminal(db, { id: 'b4-door', zoneId: b4.id, role: 'building-door', direction: 'in' });
  const flat = await createUnit(db, { zoneId: b3.id, kind: 'flat', label: '3-101' });
  const li = await createPerson(db, SECRET, { id: 'li', name: 'Li Wei' }, 0);
  await addResidency(db, { personId: li.id, unitId: flat.id, role: 'owner', moveIn: 0 });
  return { site, parking, b3, b4, flat, li };
}

await onEveryDatabase('site vehicles', (test, open) => {
  test('the register keeps plates normalised and unique, owned by a person or a unit, never both or neither', async () => {
    const store = await open();
    const { flat, li } = await community(store);
    const car = await createVehicle(store.db, { plate: '京a·12345', personId: li.id, colour: 'blue' }, 1);
    assert.is(car.plate, '京A12345');
    await rejects(createVehicle(store.db, { plate: '京A 12345', unitId: flat.id }, 2), 'CONFLICT');
    await rejects(createVehicle(store.db, { plate: 'not a plate', personId: li.id }, 2), 'INVALID');
    await rejects(createVehicle(store.db, { plate: '沪B54321' }, 2), 'INVALID');
    await rejects(createVehicle(store.db, { plate: '沪B54321', personId: li.id, unitId: flat.id }, 2), 'INVALID');
    await rejects(createVehicle(store.db, { plate: '沪B54321', personId: 'nobody' }, 2), 'NOT_FOUND');
    const unitCar = await createVehicle(store.db, { plate: '粤BD12345', unitId: flat.id }, 2);
    assert.is(unitCar.plate, '粤BD12345');
    // By unit: the unit's own car and its residents' cars; by a part of a plate, O for 0.
    assert.equal((await listVehicles(store.db, { unitId: flat.id }, 3)).map((v) => v.plate).sort(), ['京A12345', '粤BD12345']);
    assert.equal((await listVehicles(store.db, { plate: 'A1234' })).map((v) => v.plate), ['京A12345']);
    assert.equal((await listVehicles(store.db, { plate: '京A1234S' })).map((v) => v.plate), ['京A12345'], 'S read for 5 still finds it');
    await rejects(listVehicles(store.db, { plate: '%' }), 'INVALID');
    await rejects(updateVehicle(store.db, unitCar.id, { plate: '京A12345', unitId: flat.id }, 4), 'CONFLICT');
  });

  test("the terminals get a resident's plates with the person, a unit's car on the unit's path, a visitor's car in the visit's window", async () => {
    const store = await open();
    const { flat, li } = await community(store);
    await createVehicle(store.db, { plate: '京A12345', personId: li.id }, 1);
    const unitCar = await createVehicle(store.db, { plate: '粤BD12345', unitId: flat.id }, 1);
    const visitor = await registerVisitor(store.db, SECRET, { name: 'Zhao Lei', hostUnitId: flat.id, expectedFrom: 9 * H, expectedUntil: 12 * H, plate: '沪C 67890' }, 8 * H);
    const wanted = await wantedTerminals(store.db, 10 * H);

    // The car park's gate is beside B3, not on the way to it: plates go to every vehicle gate of the site.
    const liAt = wanted.get('li')!;
    assert.equal([...liAt.keys()].sort(), ['b3-door', 'car-in', 'car-out', 'park-in']);
    assert.equal(liAt.get('car-in')!.credentials, [{ type: 'plate', value: '京A12345' }]);

    const unitAt = wanted.get(`vehicle-${unitCar.id}`)!;
    assert.equal([...unitAt.keys()].sort(), ['b3-door', 'car-in', 'car-out', 'park-in']);
    const unitRecord = unitAt.get('car-in')!;
    assert.equal(unitRecord.credentials, [{ type: 'plate', value: '粤BD12345' }]);
    assert.is(unitRecord.faces, undefined);

    // A visitor with a car and no photo is still sent: the plate, in the visit's window, and no face.
    assert.ok(wanted.get(visitor.person_id)!.has('park-in'));
    const visitorRecord = wanted.get(visitor.person_id)!.get('car-in')!;
    assert.equal(visitorRecord.credentials, [{ type: 'plate', value: '沪C67890' }]);
    assert.equal([visitorRecord.validFrom, visitorRecord.validUntil], [9 * H, 12 * H]);
    assert.is(visitorRecord.faces, undefined);
    assert.not.ok((await wantedTerminals(store.db, 13 * H)).has(visitor.person_id), 'gone after the window');
    // Only the asked-for records when reconciling one holder.
    assert.equal([...(await wantedTerminals(store.db, 10 * H, [`vehicle-${unitCar.id}`])).keys()], [`vehicle-${unitCar.id}`]);
  });

  test('entry records find a plate with confusable characters or by a part, and say the plate', async () => {
    const store = await open();
    const { site } = await community(store);
    const placed = { zone_id: site.id, direction: 'in' as const };
    const grant = (seq: number, plate: string) =>
      insertEvent(store.db, { terminal: 'car-in', seq, ts: seq * H, type: 'access.granted', result: 'granted', personId: 'li', credentialType: 'plate', data: { vehicle: { plate, colour: 'blue', direction: 'in' } } }, placed);
    await grant(1, '京A12345');
    await grant(2, '京A1234S'); // the camera read 5 as S
    await grant(3, '沪B99999');
    await insertEvent(store.db, { terminal: 'car-in', seq: 4, ts: 4 * H, type: 'vehicle.unknown-plate', data: { plate: '苏E11111', snapshotId: null, waitMs: 30000 } }, placed);
    await insertEvent(store.db, { terminal: 'car-in', seq: 5, ts: 5 * H, type: 'access.granted', result: 'granted', personId: 'li', credentialType: 'card' }, placed);

    const found = await searchRecords(store.db, { plate: '京A12345' });
    assert.equal(found.records.map((r) => r.seq), [2, 1]);
    assert.equal(found.records.map((r) => r.plate), ['京A1234S', '京A12345']);
    assert.equal((await searchRecords(store.db, { plate: '1111' })).records.map((r) => r.seq), [4]);
    assert.equal((await searchRecords(store.db, { plate: '99999', from: 3 * H, to: 4 * H })).records.map((r) => r.seq), [3]);
    assert.is((await searchRecords(store.db, {})).records.find((r) => r.seq === 5)!.plate, null);
  });

  test('parking occupancy: a car is in a zone between its in and its out; its owner is not moved by it', async () => {
    const store = await open();
    const { site, parking } = await community(store);
    const listeners = new Set<(e: IngestedEvent) => void>();
    const presence = startPresence({ store, source: { onStored: (l) => (listeners.add(l), () => void listeners.delete(l)) } });
    let seq = 0;
    const feed = async (terminal: string, zoneId: number, direction: 'in' | 'out', plate: string, result: 'granted' | 'denied' = 'granted') => {
      const event: IngestedEvent = { terminal, seq: ++seq, ts: seq * 1000, type: `access.${result}`, result, reason: null, personId: 'li', credentialType: 'plate', credentialRef: null, zoneId, direction, plate };
      // Stored first, as the ingest does: presence applies the stored row.
      await insertEvent(store.db, { ...event, data: { vehicle: { plate } } }, { zone_id: zoneId, direction });
      const applied = new Promise<void>((resolve) => {
        const off = presence.onApplied((a) => a === event && (off(), resolve()));
      });
      for (const l of listeners) l(event);
      await applied;
    };
    const vehiclesIn = async (zone: number) => (await occupancy(store.db)).find((z) => z.zoneId === zone)!;

    await feed('car-in', site.id, 'in', '京A12345');
    await feed('park-in', parking.id, 'in', '京A12345');
    await feed('car-in', site.id, 'in', '沪B99999');
    await feed('car-in', site.id, 'in', '苏E11111', 'denied');
    assert.is((await vehiclesIn(parking.id)).vehicles, 1);
    assert.is((await vehiclesIn(site.id)).vehicles, 2, 'the car park is inside the site');
    assert.is((await vehiclesIn(site.id)).residents, 0, 'the driver is not counted: the car moved, not li');
    await feed('car-out', site.id, 'out', '沪B99999');
    assert.is((await vehiclesIn(site.id)).vehicles, 1);
    presence.stop();
  });

  test('a watch list holds plates; a seen plate finds its lists with confusable characters', async () => {
    const store = await open();
    const { site } = await community(store);
    await putAlertList(store.db, { id: 'stolen', name: 'Stolen cars', purpose: 'watch', zones: [site.id] });
    await addListPlate(store.db, 'stolen', '京 B 88888', 'reported 1 May', 1);
    await rejects(addListPlate(store.db, 'stolen', 'bad', null, 1), 'INVALID');
    await rejects(addListPlate(store.db, 'nope', '京B88888', null, 1), 'NOT_FOUND');
    assert.equal((await listsOfPlate(store.db, '京8B8888')).map((l) => [l.id, l.plate, l.zones]), [['stolen', '京B88888', [site.id]]]);
    assert.equal(await listsOfPlate(store.db, '京B88887'), []);
    await removeListPlate(store.db, 'stolen', '京B88888');
    assert.equal(await listsOfPlate(store.db, '京B88888'), []);
  });

  test('a watched plate raises one plate-appears alert per car at a barrier, in the rule\'s zones and the list\'s only', async () => {
    const store = await open();
    const { site, b4 } = await community(store);
    const clock = new FakeClock(Date.UTC(2026, 0, 5, 9));
    await putAlertList(store.db, { id: 'stolen', name: 'Stolen cars', purpose: 'watch', zones: [site.id] });
    await putAlertList(store.db, { id: 'b4-only', name: 'B4 list', purpose: 'watch', zones: [b4.id] });
    await addListPlate(store.db, 'stolen', '京B88888', null, 1);
    await addListPlate(store.db, 'b4-only', '沪A11111', null, 1);
    const base = { enabled: true, zones: [], terminals: [], periods: [], severity: 'critical' as const, actions: { popup: true, webhooks: [], mqtt: false } };
    await putAlertRule(store.db, 'plates', { ...base, name: 'Watched plates', trigger: 'plate-appears', lists: ['stolen', 'b4-only'], dedupeMinutes: 5 }, null);
    await rejects(putAlertRule(store.db, 'no-list', { ...base, name: 'x', trigger: 'plate-appears', lists: [] }, null), 'INVALID');

    const listeners = new Set<(e: IngestedEvent) => void>();
    const engine = startAlertEngine({ store, clock, source: { onStored: (l) => (listeners.add(l), () => void listeners.delete(l)) } });
    const alerts: AlertView[] = [];
    engine.onAlert((a) => alerts.push(a));
    let seq = 0;
    const seen = async (terminal: string, zoneId: number, type: string, data: Record<string, unknown>, plate: string) => {
      const e = { terminal, seq: ++seq, ts: clock.now(), type, result: type === 'access.denied' ? ('denied' as const) : null, personId: null, data };
      await insertEvent(store.db, e, { zone_id: zoneId, direction: 'in' }, clock.now());
      for (const l of listeners) l({ ...e, reason: null, credentialType: 'plate', credentialRef: null, zoneId, direction: 'in', plate });
      await engine.idle();
    };
    // The camera reads 8 as B: still the watched car. The read and the decision are one alert.
    await seen('car-in', site.id, 'vehicle.unknown-plate', { plate: '京B8888B', snapshotId: 'snap-1', waitMs: 30000 }, '京B8888B');
    await seen('car-in', site.id, 'access.denied', { vehicle: { plate: '京B8888B', snapshotId: 'snap-1' } }, '京B8888B');
    assert.is(alerts.length, 1);
    assert.equal([alerts[0]!.trigger, alerts[0]!.plate, alerts[0]!.snapshot, alerts[0]!.terminal], ['plate-appears', '京B8888B', 'snap-1', 'car-in']);
    // Another car, not listed: silent. A plate whose list is zoned at B4, seen at the site gate: silent.
    await seen('car-in', site.id, 'vehicle.unknown-plate', { plate: '苏E12345', snapshotId: null, waitMs: 30000 }, '苏E12345');
    await seen('car-in', site.id, 'vehicle.unknown-plate', { plate: '沪A11111', snapshotId: null, waitMs: 30000 }, '沪A11111');
    assert.is(alerts.length, 1);
    // The same watched car again after the dedupe window: a new alert.
    clock.advance(6 * 60_000);
    await seen('car-in', site.id, 'vehicle.unknown-plate', { plate: '京B88888', snapshotId: null, waitMs: 30000 }, '京B88888');
    assert.is(alerts.length, 2);
    engine.stop();
  });
});
