// Face lists on the terminal (real models, real SQLite, sealed snapshots, no network):
// persons sent with `lists` (the persons.upsert contract, through FleetPersons); a
// watched resident is granted as a resident and raises `alert.list-match`; a person only
// on a missing-persons list is never granted and raises the alert; an unlisted resident
// raises none. Each alert carries the sealed snapshot of the face.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FleetPersons } from '../../../firmware/fleet/persons.js';
import type { PersonRecord } from '../../../sdk/src/protocol/index.js';
import { facesOf, portraitPhoto, type DemoPhoto } from './frames.js';
import { openSealedFaceDoor, walkAway, walkUp } from './door-harness.js';
import { closeSharedEngine, sharedEngine } from '../vision/fixtures.js';

const consent = { subject: 'Subject', givenAt: 1_700_000_000_000, method: 'signed-form' } as const;

async function photoOf(n: DemoPhoto) {
  const box = (await facesOf(n))[0]!;
  return { mime: 'image/jpeg' as const, data: (await portraitPhoto(n, box)).toString('base64') };
}

async function openDoor(dir: string) {
  const door = await openSealedFaceDoor(dir, { snapshots: true });
  const { clock, store, access, face, push } = door;
  const persons = new FleetPersons({
    store,
    repository: access.repository,
    enrolPhotos: async (personId, images) => void (await face.enrol({ personId, images, consent: true, consentSource: 'fleet' })),
  });
  /** One person walks up to the camera and leaves. */
  const approach = async (n: DemoPhoto) => {
    await walkUp(push, clock, n, (await facesOf(n))[0]!);
    await walkAway(push, clock);
    clock.advance(10_000);
  };
  return { store, snapshots: door.snapshots!, persons, relay: door.relay, approach, close: door.close };
}

test('a watched resident is granted and raises alert.list-match; a person only on a missing list is denied and raises it; an unlisted resident raises none', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-face-lists-'));
  try {
    const t = await openDoor(dir);
    const records: PersonRecord[] = [
      { id: 'wanda', name: 'Wanda', groups: ['residents'], faces: [{ consent, photo: await photoOf(3) }], lists: [{ id: 'vip', purpose: 'watch' }] },
      { id: 'milo', name: 'Milo', faces: [{ consent, photo: await photoOf(1) }], lists: [{ id: 'lost-1', purpose: 'missing' }] },
    ];
    assert.equal(await t.persons.upsert(records), { upserted: 2 });
    assert.equal(t.store.lists.of('milo'), [{ id: 'lost-1', purpose: 'missing' }]);

    // The watched resident: granted as a resident, and the alert.
    await t.approach(3);
    const [granted] = t.store.events.query({ type: 'access.granted' });
    assert.is(granted?.personId, 'wanda');
    let alerts = t.store.events.query({ type: 'alert.list-match' });
    assert.is(alerts.length, 1);
    const watch = alerts[0]!;
    assert.is(watch.personId, 'wanda');
    const watchData = watch.data as { lists: unknown; score: number; liveness: number | null; eventSeq: number; snapshotId: string };
    assert.equal(watchData.lists, [{ id: 'vip', purpose: 'watch' }]);
    assert.is(watchData.eventSeq, granted!.seq);
    assert.ok(watchData.score > 0.3, `score ${watchData.score}`);
    const jpeg = t.snapshots.get(watchData.snapshotId);
    assert.ok(jpeg && jpeg[0] === 0xff && jpeg[1] === 0xd8, 'the sealed snapshot opens as a JPEG');

    // Only on the missing list: no group, so the match never grants, and the alert.
    const relayChanges = t.relay.history.length;
    await t.approach(1);
    const [denied] = t.store.events.query({ type: 'access.denied' });
    assert.is(denied?.personId, 'milo');
    assert.is(denied?.reason, 'no-access-group');
    assert.is(t.relay.history.length, relayChanges, 'the door stayed shut');
    alerts = t.store.events.query({ type: 'alert.list-match', personId: 'milo' });
    assert.is(alerts.length, 1);
    assert.equal((alerts[0]!.data as { lists: unknown }).lists, [{ id: 'lost-1', purpose: 'missing' }]);
    assert.is((alerts[0]!.data as { eventSeq: number }).eventSeq, denied!.seq);

    // Off the list (lists: []): granted, no new alert.
    await t.persons.upsert([{ id: 'wanda', lists: [] }]);
    await t.approach(3);
    assert.is(t.store.events.query({ type: 'access.granted' }).length, 2);
    assert.is(t.store.events.query({ type: 'alert.list-match', personId: 'wanda' }).length, 1);
    await t.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.after(closeSharedEngine);

test.run();
