/**
 * Galleries follow zones, through the real stack: fleet agents (the terminal's own
 * MQTT code) on an aedes broker, the SDK's `Fleet`, the site store on SQLite and
 * PostgreSQL. A resident of B3 lands on the gate and B3's door, not B4's; a move-out
 * takes them off everywhere; an offline terminal catches up at the next reconcile.
 * Watch and missing lists follow their zones, flagged so that they never grant.
 */
import * as assert from 'uvu/assert';
import { Fleet } from '@limen/sdk';
import { galleries } from '../../../tools/site/galleries.js';
import { addCredential, addListMember, addResidency, createPerson, createUnit, createZone, moveOut, placeTerminal, putAlertList, registerVisitor, removeListMember } from '../../../tools/site/store/index.js';
import { startAedes } from '../../sdk/helpers/brokers.js';
import { startTerminal, type TestTerminal } from '../../sdk/helpers/terminal.js';
import { guard } from '../../sdk/helpers/wait.js';
import { onEveryDatabase } from './helpers/databases.js';

const SECRET = Buffer.alloc(32, 6);
const H = 3600_000;

function online(fleet: Fleet, t: () => TestTerminal, id: string): Promise<TestTerminal> {
  const terminal = t();
  return guard(
    new Promise<TestTerminal>((resolve) => {
      if (fleet.terminals().find((i) => i.id === id)?.online) return resolve(terminal);
      const off = fleet.onPresence((p) => {
        if (p.terminal === id && p.online) {
          off();
          resolve(terminal);
        }
      });
    }),
    `${id} online`,
  );
}

const held = (t: TestTerminal) => [...t.gallery.persons.keys()].sort();

await onEveryDatabase('site galleries follow zones', (test, open) => {
  test('residents go to the terminals on the way to their building only; a move-out removes them everywhere; only changes are sent', async () => {
    const store = await open();
    const { db } = store;
    const broker = await startAedes();
    const fleet = await Fleet.connect({ url: broker.url, site: 'demo' });
    const started: TestTerminal[] = [];
    const start = (id: string) => online(fleet, () => started[started.push(startTerminal(broker, { site: 'demo', id })) - 1]!, id);
    try {
      const [gate, b3door, b4door] = await Promise.all([start('gate-1'), start('b3-door'), start('b4-door')]);
      const community = await createZone(db, { parentId: null, kind: 'community', name: 'Gate' });
      const b3 = await createZone(db, { parentId: community.id, kind: 'building', name: 'B3' });
      const b4 = await createZone(db, { parentId: community.id, kind: 'building', name: 'B4' });
      await placeTerminal(db, { id: 'gate-1', zoneId: community.id, role: 'gate', direction: 'both' });
      await placeTerminal(db, { id: 'b3-door', zoneId: b3.id, role: 'building-door', direction: 'in' });
      await placeTerminal(db, { id: 'b4-door', zoneId: b4.id, role: 'building-door', direction: 'in' });
      const flat3 = await createUnit(db, { zoneId: b3.id, kind: 'flat', label: '3-101' });
      const flat4 = await createUnit(db, { zoneId: b4.id, kind: 'flat', label: '4-101' });
      await createPerson(db, SECRET, { id: 'ann', name: 'Ann' });
      await createPerson(db, SECRET, { id: 'bob', name: 'Bob' });
      await addCredential(db, SECRET, { personId: 'ann', type: 'card', value: '0004660' });
      await addCredential(db, SECRET, { personId: 'ann', type: 'pin', value: '482913' });
      const annLives = await addResidency(db, { personId: 'ann', unitId: flat3.id, role: 'owner', moveIn: 0 });
      await addResidency(db, { personId: 'bob', unitId: flat4.id, role: 'tenant', moveIn: 0 });
      const now = { ms: 10 * H };
      const g = galleries({ store, fleet, now: () => now.ms });

      const first = await g.reconcileAll();
      assert.equal(first.failed, []);
      assert.equal(held(gate), ['ann', 'bob']);
      assert.equal(held(b3door), ['ann']);
      assert.equal(held(b4door), ['bob']);
      assert.equal(gate.gallery.persons.get('ann')!.credentials, [{ type: 'card', value: '4660' }], 'the card, never the PIN');

      const again = await g.reconcileAll();
      assert.equal([again.upserted, again.removed], [[], []], 'nothing changed, nothing sent');

      await moveOut(db, annLives.id, 11 * H);
      now.ms = 11 * H;
      const out = await g.reconcilePersons(['ann']);
      assert.equal(out.removed.map((r) => r.terminal).sort(), ['b3-door', 'gate-1']);
      assert.equal([held(gate), held(b3door), held(b4door)], [['bob'], [], ['bob']]);
    } finally {
      await fleet.close();
      for (const t of started) await t.agent.stop();
      await broker.close();
    }
  });

  test('an offline terminal keeps its row and is caught up by reconcileTerminal; a visitor with a consented photo goes to the host path', async () => {
    const store = await open();
    const { db } = store;
    const broker = await startAedes();
    const fleet = await Fleet.connect({ url: broker.url, site: 'demo' });
    const started: TestTerminal[] = [];
    const start = (id: string) => online(fleet, () => started[started.push(startTerminal(broker, { site: 'demo', id })) - 1]!, id);
    try {
      const gate = await start('gate-1');
      const community = await createZone(db, { parentId: null, kind: 'community', name: 'Gate' });
      const b3 = await createZone(db, { parentId: community.id, kind: 'building', name: 'B3' });
      await placeTerminal(db, { id: 'gate-1', zoneId: community.id, role: 'gate', direction: 'both' });
      await placeTerminal(db, { id: 'b3-door', zoneId: b3.id, role: 'building-door', direction: 'in' });
      const flat = await createUnit(db, { zoneId: b3.id, kind: 'flat', label: '3-101' });
      const v = await registerVisitor(
        db,
        SECRET,
        {
          name: 'Wang Fang',
          hostUnitId: flat.id,
          expectedFrom: 9 * H,
          expectedUntil: 12 * H,
          photo: { mime: 'image/png', data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==' },
          consent: { givenAt: 8 * H, method: 'signed-form', reference: 'F-1' },
          retainUntil: 48 * H,
        },
        8 * H,
      );
      const g = galleries({ store, fleet, now: () => 9 * H });
      const r = await g.reconcilePersons([v.person_id]);
      assert.equal(r.upserted.map((u) => u.terminal), ['gate-1']);
      assert.equal(r.failed.map((f) => f.terminal), ['b3-door'], 'b3-door is not online yet');
      const sent = gate.gallery.persons.get(v.person_id)!;
      assert.equal([sent.validFrom, sent.validUntil, sent.faces?.[0]?.consent.method], [9 * H, 12 * H, 'signed-form']);
      const door = await start('b3-door');
      const caughtUp = await g.reconcileTerminal('b3-door');
      assert.equal(caughtUp.failed, []);
      assert.equal(held(door), [v.person_id]);
    } finally {
      await fleet.close();
      for (const t of started) await t.agent.stop();
      await broker.close();
    }
  });
  test('face lists follow their zones: a watched resident keeps their grant with the list; a missing non-resident is held list-only in scope; taking them off clears it', async () => {
    const store = await open();
    const { db } = store;
    const broker = await startAedes();
    const fleet = await Fleet.connect({ url: broker.url, site: 'demo' });
    const started: TestTerminal[] = [];
    const start = (id: string) => online(fleet, () => started[started.push(startTerminal(broker, { site: 'demo', id })) - 1]!, id);
    try {
      const [gate, b3door, b4door] = await Promise.all([start('gate-1'), start('b3-door'), start('b4-door')]);
      const community = await createZone(db, { parentId: null, kind: 'community', name: 'Gate' });
      const b3 = await createZone(db, { parentId: community.id, kind: 'building', name: 'B3' });
      const b4 = await createZone(db, { parentId: community.id, kind: 'building', name: 'B4' });
      await placeTerminal(db, { id: 'gate-1', zoneId: community.id, role: 'gate', direction: 'both' });
      await placeTerminal(db, { id: 'b3-door', zoneId: b3.id, role: 'building-door', direction: 'in' });
      await placeTerminal(db, { id: 'b4-door', zoneId: b4.id, role: 'building-door', direction: 'in' });
      const flat3 = await createUnit(db, { zoneId: b3.id, kind: 'flat', label: '3-101' });
      await createPerson(db, SECRET, { id: 'ann', name: 'Ann' });
      await createPerson(db, SECRET, { id: 'kid', name: 'Lost Child' });
      await addResidency(db, { personId: 'ann', unitId: flat3.id, role: 'owner', moveIn: 0 });
      const g = galleries({ store, fleet, now: () => 10 * H });
      assert.equal((await g.reconcileAll()).failed, []);
      assert.equal(gate.gallery.persons.get('ann')!.lists, [], 'on no list yet');

      // A watch-list of the whole community (its subtree: every door) and a missing-persons list of B4 only.
      await putAlertList(db, { id: 'watch', name: 'Watch', purpose: 'watch', zones: [community.id] });
      await putAlertList(db, { id: 'missing', name: 'Missing', purpose: 'missing', zones: [b4.id] });
      await putAlertList(db, { id: 'vip', name: 'VIP', purpose: 'other', zones: [] });
      await addListMember(db, 'watch', 'ann', 10 * H);
      await addListMember(db, 'vip', 'ann', 10 * H);
      await addListMember(db, 'missing', 'kid', 10 * H);
      const r = await g.reconcilePersons(['ann', 'kid']);
      assert.equal(r.failed, []);
      const ann = gate.gallery.persons.get('ann')!;
      assert.equal([ann.lists, ann.groups], [[{ id: 'watch', purpose: 'watch' }], undefined], 'the gate: ann with the watch-list (not the site-only list), still a resident');
      assert.equal(b3door.gallery.persons.get('ann')!.lists, [{ id: 'watch', purpose: 'watch' }]);
      assert.equal([held(gate), held(b3door), held(b4door)], [['ann'], ['ann'], ['ann', 'kid']], 'ann is watched at B4 too; the missing child only at B4');
      const kid = b4door.gallery.persons.get('kid')!;
      assert.equal([kid.lists, kid.groups], [[{ id: 'missing', purpose: 'missing' }], []], 'list-only: no groups, never granted');
      assert.equal(b4door.gallery.persons.get('ann')!.groups, [], 'ann does not live in B4: held there for the alert only');

      await removeListMember(db, 'watch', 'ann');
      await removeListMember(db, 'missing', 'kid');
      const off = await g.reconcilePersons(['ann', 'kid']);
      assert.equal(off.removed.map((x) => `${x.terminal}:${x.person}`).sort(), ['b4-door:ann', 'b4-door:kid']);
      assert.equal(gate.gallery.persons.get('ann')!.lists, [], 'the list is cleared where ann lives');
      assert.equal([held(gate), held(b3door), held(b4door)], [['ann'], ['ann'], []]);
    } finally {
      await fleet.close();
      for (const t of started) await t.agent.stop();
      await broker.close();
    }
  });

  test('a person held only for a list who becomes a resident there is re-created, so the terminal grants them again', async () => {
    const store = await open();
    const { db } = store;
    const broker = await startAedes();
    const fleet = await Fleet.connect({ url: broker.url, site: 'demo' });
    const started: TestTerminal[] = [];
    const start = (id: string) => online(fleet, () => started[started.push(startTerminal(broker, { site: 'demo', id })) - 1]!, id);
    try {
      const gate = await start('gate-1');
      const community = await createZone(db, { parentId: null, kind: 'community', name: 'Gate' });
      await placeTerminal(db, { id: 'gate-1', zoneId: community.id, role: 'gate', direction: 'both' });
      const b1 = await createZone(db, { parentId: community.id, kind: 'building', name: 'B1' });
      const flat = await createUnit(db, { zoneId: b1.id, kind: 'flat', label: '1-101' });
      await createPerson(db, SECRET, { id: 'eve', name: 'Eve' });
      await putAlertList(db, { id: 'watch', name: 'Watch', purpose: 'watch', zones: [] });
      await addListMember(db, 'watch', 'eve', 0);
      const g = galleries({ store, fleet, now: () => 10 * H });
      await g.reconcileAll();
      assert.equal(gate.gallery.persons.get('eve')!.groups, []);
      await addResidency(db, { personId: 'eve', unitId: flat.id, role: 'tenant', moveIn: 0 });
      const r = await g.reconcilePersons(['eve']);
      assert.equal([r.removed, r.upserted], [[{ terminal: 'gate-1', person: 'eve' }], [{ terminal: 'gate-1', person: 'eve' }]], 'removed, then sent as a resident');
      assert.equal(gate.gallery.persons.get('eve')!.groups, undefined, 'the terminal gives a new resident its default group');
    } finally {
      await fleet.close();
      for (const t of started) await t.agent.stop();
      await broker.close();
    }
  });
});
