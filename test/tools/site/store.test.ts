/**
 * The site store on SQLite and on PostgreSQL: the same tests, run once per database
 * (PostgreSQL in a throw-away cluster when installed).
 */
import * as assert from 'uvu/assert';
import { sql } from 'kysely';
import {
  addCredential,
  addResidency,
  ancestry,
  appendAudit,
  checkPassword,
  closeSession,
  createPerson,
  createStaff,
  createUnit,
  createZone,
  credentialsOf,
  deleteZone,
  findPersonsByIdNumber,
  getTerminal,
  listAudit,
  listZones,
  migrateToLatest,
  moveOut,
  openSession,
  placeTerminal,
  residentsOfUnit,
  sessionStaff,
  SITE_TABLES,
  subtree,
  updateZone,
  insertEvent,
  insertEvents,
  searchRecords,
} from '../../../tools/site/store/index.js';
import { SiteError } from '../../../tools/site/errors.js';
import { onEveryDatabase } from './helpers/databases.js';
import { rejects } from './helpers/rejects.js';

const SECRET = Buffer.alloc(32, 7);

await onEveryDatabase('site store', (test, open) => {
  test('migrations create every table once; running them again does nothing', async () => {
    const store = await open();
    for (const t of SITE_TABLES) {
      const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(store.db);
      assert.is(Number(r.rows[0]!.n), 0, t);
    }
    assert.equal(await migrateToLatest(store), []);
  });

  test('zones form a tree of any depth; a subtree is the zone and everything below it', async () => {
    const { db } = await open();
    const community = await createZone(db, { parentId: null, kind: 'community', name: 'Garden City' });
    const compound = await createZone(db, { parentId: community.id, kind: 'compound', name: 'North' });
    const b3 = await createZone(db, { parentId: compound.id, kind: 'building', name: 'Building 3' });
    const door = await createZone(db, { parentId: b3.id, kind: 'unit-door', name: '3-1201 door' });
    const south = await createZone(db, { parentId: community.id, kind: 'compound', name: 'South' });
    assert.is(door.path, `/${community.id}/${compound.id}/${b3.id}/${door.id}/`);
    assert.equal((await subtree(db, compound.id)).map((z) => z.name), ['North', 'Building 3', '3-1201 door']);
    assert.equal((await ancestry(db, door.id)).map((z) => z.name), ['Garden City', 'North', 'Building 3', '3-1201 door']);
    assert.equal((await subtree(db, south.id)).map((z) => z.name), ['South']);

    // Moving a building re-roots it and everything below.
    await updateZone(db, b3.id, { parentId: south.id });
    assert.equal((await subtree(db, south.id)).map((z) => z.name), ['South', 'Building 3', '3-1201 door']);
    assert.equal((await subtree(db, compound.id)).map((z) => z.name), ['North']);
    assert.equal((await ancestry(db, door.id)).map((z) => z.name), ['Garden City', 'South', 'Building 3', '3-1201 door']);
    await rejects(updateZone(db, south.id, { parentId: door.id }), 'INVALID');
    await rejects(deleteZone(db, south.id), 'CONFLICT');
    await deleteZone(db, door.id);
    assert.is((await listZones(db)).length, 4);
    await rejects(createZone(db, { parentId: 999, kind: 'building', name: 'x' }), 'NOT_FOUND');
  });

  test('a terminal is placed in a zone with a role and a direction; placing it again moves it', async () => {
    const { db } = await open();
    const gate = await createZone(db, { parentId: null, kind: 'community', name: 'Gate' });
    const b1 = await createZone(db, { parentId: gate.id, kind: 'building', name: 'B1' });
    await placeTerminal(db, { id: 'gate-1', zoneId: gate.id, role: 'gate', direction: 'in' });
    await placeTerminal(db, { id: 'gate-1', zoneId: b1.id, role: 'building-door', direction: 'both', name: 'B1 door' });
    assert.equal(await getTerminal(db, 'gate-1'), { id: 'gate-1', zone_id: b1.id, role: 'building-door', direction: 'both', name: 'B1 door' });
    await rejects(placeTerminal(db, { id: 'x', zoneId: 12345, role: 'gate', direction: 'in' }), 'NOT_FOUND');
  });

  test('units live in buildings; residents by unit with move-in and move-out', async () => {
    const { db } = await open();
    const community = await createZone(db, { parentId: null, kind: 'community', name: 'C' });
    const b = await createZone(db, { parentId: community.id, kind: 'building', name: 'B' });
    await rejects(createUnit(db, { zoneId: community.id, kind: 'flat', label: '1' }), 'INVALID');
    const flat = await createUnit(db, { zoneId: b.id, kind: 'flat', label: '3-1201' });
    await rejects(createUnit(db, { zoneId: b.id, kind: 'shop', label: '3-1201' }), 'CONFLICT');
    const ann = await createPerson(db, SECRET, { id: 'ann', name: 'Ann' });
    const bob = await createPerson(db, SECRET, { id: 'bob', name: 'Bob' });
    await addResidency(db, { personId: ann.id, unitId: flat.id, role: 'owner', moveIn: 1000 });
    const bobs = await addResidency(db, { personId: bob.id, unitId: flat.id, role: 'tenant', moveIn: 2000 });
    await moveOut(db, bobs.id, 5000);
    await rejects(moveOut(db, bobs.id, 10), 'INVALID');
    assert.equal((await residentsOfUnit(db, flat.id, 3000)).map((r) => [r.id, r.role]), [['ann', 'owner'], ['bob', 'tenant']]);
    assert.equal((await residentsOfUnit(db, flat.id, 6000)).map((r) => r.id), ['ann']);
    assert.equal((await residentsOfUnit(db, flat.id, 1500)).map((r) => r.id), ['ann']);
    assert.equal((await residentsOfUnit(db, flat.id)).map((r) => r.id), ['ann', 'bob']);
  });

  test('identity numbers are stored masked and keyed-hashed only, and still found', async () => {
    const { db } = await open();
    const number = '11010519491231002X';
    await createPerson(db, SECRET, { id: 'p1', name: 'Li Lei', idNumber: number });
    const raw = await db.selectFrom('persons').selectAll().where('id', '=', 'p1').executeTakeFirstOrThrow();
    assert.is(raw.id_doc_masked, '110***********002X');
    assert.not.ok(JSON.stringify(raw).includes('1949'), 'no clear digits beyond the mask');
    assert.equal((await findPersonsByIdNumber(db, SECRET, '110105 19491231 002x')).map((p) => p.id), ['p1']);
    assert.equal(await findPersonsByIdNumber(db, Buffer.alloc(32, 8), number), [], 'another secret finds nothing');
  });

  test('credentials: a PIN is never stored in clear; a card belongs to one person', async () => {
    const { db } = await open();
    await createPerson(db, SECRET, { id: 'a', name: 'A' });
    await createPerson(db, SECRET, { id: 'b', name: 'B' });
    await addCredential(db, SECRET, { personId: 'a', type: 'pin', value: '482913' });
    await addCredential(db, SECRET, { personId: 'a', type: 'card', value: '0004660' });
    const creds = await credentialsOf(db, 'a');
    assert.equal(creds.map((c) => c.type), ['pin', 'card']);
    assert.not.ok(creds[0]!.ref.includes('482913'));
    assert.is(creds[1]!.ref, '4660');
    await rejects(addCredential(db, SECRET, { personId: 'b', type: 'card', value: '4660' }), 'CONFLICT');
    await rejects(addCredential(db, SECRET, { personId: 'b', type: 'pin', value: '482913' }), 'CONFLICT');
    await rejects(addCredential(db, SECRET, { personId: 'b', type: 'pin', value: '12' }), 'INVALID');
    await rejects(addCredential(db, SECRET, { personId: 'nobody', type: 'card', value: '1' }), 'NOT_FOUND');
  });

  test('an event is stored once per terminal and seq, with the zone and direction of its terminal', async () => {
    const { db } = await open();
    const z = await createZone(db, { parentId: null, kind: 'community', name: 'Gate' });
    const inGate = { zone_id: z.id, direction: 'in' as const };
    const e = { terminal: 'gate-1', seq: 1, ts: 1000, type: 'access.granted', result: 'granted' as const, personId: 'p1', data: { score: 0.9 } };
    assert.is(await insertEvent(db, e, inGate), true);
    assert.is(await insertEvent(db, { ...e, type: 'changed' }, inGate), false);
    assert.is(await insertEvent(db, { ...e, terminal: 'gate-2' }, undefined), true);
    assert.is(await insertEvent(db, { ...e, terminal: 'door-1', data: { direction: 'out' } }, { zone_id: z.id, direction: 'both' }), true);
    assert.is(await insertEvent(db, { ...e, terminal: 'door-2', data: null }, { zone_id: z.id, direction: 'both' }), true);
    const { records } = await searchRecords(db, {});
    const byTerminal = Object.fromEntries(records.map((r) => [r.terminal, [r.type, r.zoneId, r.direction]]));
    assert.equal(byTerminal, {
      'gate-1': ['access.granted', z.id, 'in'],
      'gate-2': ['access.granted', null, null],
      'door-1': ['access.granted', z.id, 'out'],
      'door-2': ['access.granted', z.id, null],
    });
    assert.equal(records.find((r) => r.terminal === 'gate-1')!.data, { score: 0.9 });
  });

  test('a batch of events is stored in one go, each new one once, beyond one INSERT of rows', async () => {
    const { db } = await open();
    const ev = (terminal: string, seq: number) => ({ event: { terminal, seq, ts: seq, type: 'access.granted' }, terminal: undefined });
    assert.equal(await insertEvents(db, [ev('a', 1)]), [true]);
    assert.equal(await insertEvents(db, [ev('a', 2), ev('a', 2), ev('b', 2), ev('a', 1)]), [true, false, true, false]);
    const many = Array.from({ length: 1203 }, (_, i) => ev('c', i + 1));
    const stored = await insertEvents(db, [...many, ev('a', 1)]);
    assert.is(stored.filter(Boolean).length, 1203);
    assert.is(stored.at(-1), false);
    assert.is((await searchRecords(db, { terminalId: 'c' }, { limit: 1000 })).records.length, 1000);
    assert.is((await searchRecords(db, {}, { limit: 1000, cursor: (await searchRecords(db, {}, { limit: 1000 })).next! })).records.length, 1206 - 1000);
  });

  test('staff: argon2id passwords; sessions open, expire and close', async () => {
    const { db } = await open();
    const admin = await createStaff(db, { username: 'root', role: 'admin', password: 'correct horse battery' }, 0);
    assert.match(admin.password_hash, /^\$argon2id\$/);
    await rejects(createStaff(db, { username: 'root', role: 'guard', password: 'another password' }), 'CONFLICT');
    await rejects(createStaff(db, { username: 'x', role: 'guard', password: 'short' }), 'INVALID');
    await rejects(createStaff(db, { username: 'Bad Name', role: 'guard', password: 'long enough pw' }), 'INVALID');
    assert.is((await checkPassword(db, 'root', 'correct horse battery'))?.id, admin.id);
    assert.is(await checkPassword(db, 'root', 'wrong horse battery'), null);
    assert.is(await checkPassword(db, 'nobody', 'correct horse battery'), null);

    const { token, expiresAt } = await openSession(db, admin.id, '10.0.0.1', 1000, 60_000);
    assert.is(expiresAt, 61_000);
    assert.equal(await sessionStaff(db, token, 2000), { id: admin.id, username: 'root', role: 'admin', expiresAt: 61_000 });
    assert.is(await sessionStaff(db, token, 61_000), null, 'expired');
    assert.is(await sessionStaff(db, token + 'x', 2000), null);
    const raw = await db.selectFrom('sessions').select('id').execute();
    assert.not.equal(raw[0]!.id, token, 'only the hash is stored');
    await closeSession(db, token);
    assert.is(await sessionStaff(db, token, 2000), null);
    await db.updateTable('staff').set({ disabled: 1 }).execute();
    assert.is(await checkPassword(db, 'root', 'correct horse battery'), null, 'a disabled account cannot log in');
  });

  test('audit entries are kept in order and filtered', async () => {
    const { db } = await open();
    await appendAudit(db, { at: 1, staffId: 1, username: 'root', action: 'person.read', subject: 'person:a', ip: '10.0.0.1' });
    await appendAudit(db, { at: 2, staffId: 2, username: 'guard', action: 'records.search', subject: null, ip: '10.0.0.2', detail: { personId: 'a' } });
    const all = await listAudit(db);
    assert.equal(all.map((a) => [a.action, a.username, a.ip]), [['records.search', 'guard', '10.0.0.2'], ['person.read', 'root', '10.0.0.1']]);
    assert.equal(all[0]!.detail, { personId: 'a' });
    assert.equal((await listAudit(db, { staffId: 1 })).map((a) => a.subject), ['person:a']);
    assert.equal((await listAudit(db, { before: all[0]!.id })).length, 1);
  });
});
