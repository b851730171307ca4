// Face lists end to end on a real broker (aedes): the backend sends a person only on a
// missing-persons list with persons.upsert; their face at the sim terminal is denied and
// raises alert.list-match, which reaches the backend as an event; the backend fetches the
// sealed snapshot the event names with snapshots.get and gets the JPEG back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RejectedError, type FleetEvent } from '../../../sdk/src/index.js';
import { guard } from '../../sdk/helpers/wait.js';
import { facesOf, portraitPhoto } from '../face/frames.js';
import { walkAway, walkUp } from '../face/door-harness.js';
import { openFleetFaceTerminal } from './helpers/face-terminal.js';

const CONSENT = { subject: 'Milo Example', givenAt: 1_700_000_000_000, method: 'signed-form' as const };

test('a missing person sent by the fleet is denied at the door, the alert reaches the backend, and snapshots.get returns its JPEG', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-fleet-lists-'));
  let alert!: Promise<FleetEvent>;
  const { clock, terminal, gate, push, close } = await openFleetFaceTerminal({
    storePath: join(dir, 'terminal.db'),
    beforeOpen: (fleet) => {
      alert = new Promise<FleetEvent>((resolve) => fleet.onEvent((e) => void (e.type === 'alert.list-match' && resolve(e))));
    },
  });
  try {
    assert.ok(terminal.snapshots, 'snapshots are kept (data key)');

    const milo = (await facesOf(1))[0]!;
    const photo = (await portraitPhoto(1, milo)).toString('base64');
    await gate.persons.upsert([{ id: 'milo', name: 'Milo', faces: [{ photo: { mime: 'image/jpeg', data: photo }, consent: CONSENT }], lists: [{ id: 'lost-7', purpose: 'missing' }] }]);
    assert.equal(terminal.access.repository.groupsOf('milo'), [], 'only on the list: no default group');

    await walkUp(push, clock, 1, milo);
    await walkAway(push, clock);
    const [denied] = terminal.store.events.query({ type: 'access.denied' });
    assert.is(denied?.personId, 'milo');
    assert.not.ok(terminal.board.sim.doorRelay!.state, 'the door stays shut');

    const e = await guard(alert, 'alert.list-match delivered');
    assert.is(e.personId, 'milo');
    const data = e.data as { lists: unknown; snapshotId: string; eventSeq: number };
    assert.equal(data.lists, [{ id: 'lost-7', purpose: 'missing' }]);
    assert.is(data.eventSeq, denied!.seq);

    const snap = await gate.faceSnapshot(data.snapshotId);
    assert.is(snap.mime, 'image/jpeg');
    assert.is(snap.eventSeq, denied!.seq);
    assert.ok(snap.data[0] === 0xff && snap.data[1] === 0xd8, 'JPEG bytes');
    assert.equal(snap.data, terminal.snapshots!.get(data.snapshotId));

    // An id the terminal does not have: NOT_FOUND; not an id at all: BAD_REQUEST before sending.
    const missing = await gate.faceSnapshot('00112233445566778a').catch((err: unknown) => err);
    assert.instance(missing, RejectedError);
    assert.is((missing as RejectedError).code, 'NOT_FOUND');
    const bad = await gate.faceSnapshot('../etc/passwd').catch((err: unknown) => err);
    assert.instance(bad, Error);
  } finally {
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
