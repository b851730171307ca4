/**
 * Inspections in the site store on SQLite and PostgreSQL: a unit's settings, a visit
 * with a new occupant (masked + hashed ID number, photo with consent) and a departure,
 * overdue units on a fake clock, and each inspector's activity.
 */
import * as assert from 'uvu/assert';
import {
  createPerson,
  createStaff,
  createUnit,
  createZone,
  addResidency,
  DAY_MS,
  findPersonsByIdNumber,
  inspectionStatus,
  inspectorActivity,
  occupantsOfVisit,
  recordInspectionVisit,
  reissueUnitCard,
  residentsOfUnit,
  setInspectorContact,
  setUnitInspection,
  unitCardInfo,
  type SiteStore,
} from '../../../../tools/site/store/index.js';
import { SiteError } from '../../../../tools/site/errors.js';
import { onEveryDatabase } from '../helpers/databases.js';
import { rejects } from '../helpers/rejects.js';

const SECRET = Buffer.alloc(32, 7);
const T0 = Date.parse('2026-03-01T08:00:00Z');
const PASSWORD = 'a long enough password';

async function community(store: SiteStore) {
  const db = store.db;
  const root = await createZone(db, { parentId: null, kind: 'community', name: '枫林苑' }, T0);
  const b = await createZone(db, { parentId: root.id, kind: 'building', name: '3号楼' }, T0);
  const u1 = await createUnit(db, { zoneId: b.id, kind: 'rented-room', label: '3-101' });
  const u2 = await createUnit(db, { zoneId: b.id, kind: 'rented-room', label: '3-102' });
  const li = await createStaff(db, { username: 'li', role: 'inspector', password: PASSWORD }, T0);
  const zhao = await createStaff(db, { username: 'zhao', role: 'inspector', password: PASSWORD }, T0);
  const guard = await createStaff(db, { username: 'guard', role: 'guard', password: PASSWORD }, T0);
  return { db, u1, u2, li, zhao, guard };
}

await onEveryDatabase('inspections store', (test, open) => {
  test('a unit gets landlord, inspector and period; its card prints the inspector’s contact; a reissue bumps the serial', async () => {
    const { db, u1, li, guard } = await community(await open());
    await rejects(setUnitInspection(db, u1.id, { inspectorId: guard.id }, T0), 'INVALID');
    await rejects(setUnitInspection(db, u1.id, { periodDays: 0 }, T0), 'INVALID');
    await rejects(setUnitInspection(db, 9999, { periodDays: 30 }, T0), 'NOT_FOUND');
    await setInspectorContact(db, { staffId: li.id, name: '李警官', phone: '13900000001' });
    await setUnitInspection(db, u1.id, { landlordName: '王芳', landlordPhone: '13800000000', inspectorId: li.id, periodDays: 30 }, T0);
    const card = await unitCardInfo(db, u1.id, T0);
    assert.equal(card, {
      unitId: u1.id,
      label: '3-101',
      serial: 1,
      address: '枫林苑 / 3号楼 / 3-101',
      landlord: '王芳',
      landlordPhone: '13800000000',
      inspector: '李警官',
      inspectorPhone: '13900000001',
    });
    assert.is((await reissueUnitCard(db, u1.id, T0)).card_serial, 2);
    assert.is((await unitCardInfo(db, u1.id, T0)).serial, 2);
    // Changing one field keeps the others.
    await setUnitInspection(db, u1.id, { address: '幸福路 8 号 3-101' }, T0);
    const again = await unitCardInfo(db, u1.id, T0);
    assert.is(again.address, '幸福路 8 号 3-101');
    assert.is(again.landlord, '王芳');
    assert.is(again.serial, 2);
  });

  test('a visit: residents confirmed, one departs, a new occupant moves in with a masked ID number and a consented photo', async () => {
    const { db, u1, u2, li } = await community(await open());
    const stay = await createPerson(db, SECRET, { name: 'Stay Resident' }, T0);
    const leave = await createPerson(db, SECRET, { name: 'Leave Resident' }, T0);
    const elsewhere = await createPerson(db, SECRET, { name: 'Other Unit' }, T0);
    await addResidency(db, { personId: stay.id, unitId: u1.id, role: 'tenant', moveIn: T0 });
    await addResidency(db, { personId: leave.id, unitId: u1.id, role: 'tenant', moveIn: T0 });
    await addResidency(db, { personId: elsewhere.id, unitId: u2.id, role: 'tenant', moveIn: T0 });
    const at = T0 + 5 * DAY_MS;
    const base = { unitId: u1.id, inspector: { id: li.id, username: 'li' }, at, added: [] };
    await rejects(recordInspectionVisit(db, SECRET, { ...base, confirmed: [elsewhere.id], departed: [] }), 'INVALID');
    await rejects(recordInspectionVisit(db, SECRET, { ...base, confirmed: [stay.id], departed: [stay.id] }), 'INVALID');
    await rejects(recordInspectionVisit(db, SECRET, { ...base, confirmed: [], departed: [], added: [{ name: 'No Consent', photo: { mime: 'image/jpeg', data: 'AAAA' } }] }), 'INVALID');

    const r = await recordInspectionVisit(db, SECRET, {
      ...base,
      confirmed: [stay.id],
      departed: [leave.id],
      added: [{ name: '张伟', idNumber: '110101199003071234', photo: { mime: 'image/jpeg', data: 'AAAA' }, consent: true }],
    });
    const [newcomer] = await findPersonsByIdNumber(db, SECRET, '110101199003071234');
    assert.ok(newcomer, 'found again by the keyed hash of the number');
    assert.is(newcomer!.id_doc_masked, '110***********1234');
    assert.equal(r.changed.sort(), [newcomer!.id, leave.id].sort());
    assert.equal(JSON.parse(r.visit.added), [newcomer!.id]);
    const now = (await residentsOfUnit(db, u1.id, at + 1)).map((p) => p.name).sort();
    assert.equal(now, ['Stay Resident', '张伟'], 'the departed moved out, the newcomer moved in');
    const [occ] = await occupantsOfVisit(db, r.visit.id);
    assert.equal({ person: occ!.person_id, photo: occ!.photo, consentAt: occ!.consent_at, by: occ!.consent_by }, { person: newcomer!.id, photo: 'AAAA', consentAt: at, by: 'li' });
    // The failed attempts left nothing behind.
    assert.is((await findPersonsByIdNumber(db, SECRET, '110101199003071234')).length, 1);
  });

  test('overdue on a fake clock: due one period after the last visit, or after the period was set', async () => {
    const { db, u1, u2, li, zhao } = await community(await open());
    await setUnitInspection(db, u1.id, { inspectorId: li.id, periodDays: 30 }, T0);
    await setUnitInspection(db, u2.id, { inspectorId: zhao.id, periodDays: 7 }, T0);
    let s = await inspectionStatus(db, T0 + 7 * DAY_MS);
    assert.equal(s.map((u) => [u.label, u.overdue]), [['3-102', false], ['3-101', false]], 'exactly one period: not yet overdue');
    s = await inspectionStatus(db, T0 + 7 * DAY_MS + 1);
    assert.equal(s.map((u) => [u.label, u.overdue]), [['3-102', true], ['3-101', false]]);
    assert.equal((await inspectionStatus(db, T0 + 8 * DAY_MS, { inspectorId: li.id })).map((u) => u.label), ['3-101'], 'one inspector’s own units');

    await recordInspectionVisit(db, SECRET, { unitId: u2.id, inspector: { id: zhao.id, username: 'zhao' }, at: T0 + 8 * DAY_MS, confirmed: [], departed: [], added: [] });
    s = await inspectionStatus(db, T0 + 8 * DAY_MS);
    const u2s = s.find((u) => u.unitId === u2.id)!;
    assert.equal({ overdue: u2s.overdue, last: u2s.lastVisitAt, due: u2s.dueAt }, { overdue: false, last: T0 + 8 * DAY_MS, due: T0 + 15 * DAY_MS });
    assert.ok((await inspectionStatus(db, T0 + 31 * DAY_MS)).find((u) => u.unitId === u1.id)!.overdue);

    // A unit handed to another inspector is due one period from then, not at once.
    await setUnitInspection(db, u1.id, { inspectorId: zhao.id }, T0 + 40 * DAY_MS);
    assert.not.ok((await inspectionStatus(db, T0 + 41 * DAY_MS)).find((u) => u.unitId === u1.id)!.overdue);
    // A unit without a period is not inspected: not listed.
    await setUnitInspection(db, u1.id, { periodDays: null }, T0 + 41 * DAY_MS);
    assert.equal((await inspectionStatus(db, T0 + 100 * DAY_MS)).map((u) => u.unitId), [u2.id]);
  });

  test('inspector activity: visits, units covered, visits per week, last visit and overdue units per inspector', async () => {
    const { db, u1, u2, li, zhao } = await community(await open());
    await setInspectorContact(db, { staffId: li.id, name: '李警官', phone: null });
    await setUnitInspection(db, u1.id, { inspectorId: li.id, periodDays: 7 }, T0);
    await setUnitInspection(db, u2.id, { inspectorId: li.id, periodDays: 7 }, T0);
    for (const d of [1, 3, 6]) await recordInspectionVisit(db, SECRET, { unitId: u1.id, inspector: { id: li.id, username: 'li' }, at: T0 + d * DAY_MS, confirmed: [], departed: [], added: [] });
    await recordInspectionVisit(db, SECRET, { unitId: u2.id, inspector: { id: li.id, username: 'li' }, at: T0 + 2 * DAY_MS, confirmed: [], departed: [], added: [] });
    const a = await inspectorActivity(db, T0, T0 + 14 * DAY_MS, T0 + 10 * DAY_MS);
    assert.equal(
      a.map((x) => ({ ...x })),
      [
        { staffId: li.id, username: 'li', name: '李警官', units: 2, overdue: 1, visits: 4, unitsVisited: 2, perWeek: 2, lastVisitAt: T0 + 6 * DAY_MS },
        { staffId: zhao.id, username: 'zhao', name: null, units: 0, overdue: 0, visits: 0, unitsVisited: 0, perWeek: 0, lastVisitAt: null },
      ],
    );
  });
});
