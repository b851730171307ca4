// Face recognition over a store whose templates are sealed under the terminal's data key
// (real models, face-api demo photos): enrol, recognise (the sim door opens), no plaintext
// template in the database file; erase the person and no byte of the template, plain or
// sealed, is left in the file or its WAL.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isSealed } from '../../firmware/security/index.js';
import { encodeTemplate } from '../../firmware/store/template-codec.js';
import { facesOf, portraitPhoto } from './face/frames.js';
import { openSealedFaceDoor, walkAway, walkUp } from './face/door-harness.js';
import { closeSharedEngine } from './vision/fixtures.js';

const ALICE = [3, 0] as const;
const WINDOW = 32;

/** Offsets of `needle`'s 32-byte windows found in `haystack` (every window, step 4). */
function windowsFound(haystack: Buffer, needle: Buffer): number[] {
  const found: number[] = [];
  for (let i = 0; i + WINDOW <= needle.length; i += 4) {
    if (haystack.indexOf(needle.subarray(i, i + WINDOW)) !== -1) found.push(i);
  }
  return found;
}

function filesOf(path: string): Buffer[] {
  return [path, `${path}-wal`].filter((p) => existsSync(p)).map((p) => readFileSync(p));
}

async function openDoor(dir: string) {
  const { store, path, access, face, relay, clock, push, close } = await openSealedFaceDoor(dir);
  const repo = access.repository;
  if (!repo.getPerson('alice')) repo.addPerson({ id: 'alice', name: 'Alice', groupIds: [repo.addGroup({ id: 'residents', name: 'Residents', scheduleId: null }).id] });

  const approach = async () => {
    const reports = await walkUp(push, clock, ALICE[0], (await facesOf(ALICE[0]))[ALICE[1]]!);
    await walkAway(push, clock);
    return reports.flatMap((r) => r.result.decisions);
  };
  return { store, path, repo, face, relay, clock, approach, close };
}

test('sealed templates: enrol, the face opens the door, no plaintext in the file; erase leaves no byte of the template', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-face-sealed-'));
  try {
    const t = await openDoor(dir);
    const box = (await facesOf(ALICE[0]))[ALICE[1]]!;
    const enrolled = await t.face.enrol({ personId: 'alice', images: [await portraitPhoto(ALICE[0], box)], consent: true });
    assert.equal(enrolled.warnings, []);

    const blob = t.store.db.prepare<[string], Buffer>('SELECT template FROM face_templates WHERE id = ?').pluck().get(enrolled.templateId)!;
    assert.ok(isSealed(blob), 'the stored template is sealed');
    const template = t.store.templates.codec.decode(enrolled.templateId, blob, 512)!;
    assert.ok(template, 'and opens with the terminal key');
    const plain = encodeTemplate(template);
    const sealed = Buffer.from(blob);

    const decisions = await t.approach();
    assert.is(decisions.length, 1);
    assert.ok(t.relay.history.some((c) => c.active), 'the door opened');
    const [granted] = t.store.events.query({ type: 'access.granted' });
    assert.is(granted?.personId, 'alice');
    assert.is(granted?.credentialType, 'face');

    // Only ciphertext on disk: the scan finds the sealed blob, never the float32 template.
    const before = filesOf(t.path);
    assert.ok(before.some((f) => windowsFound(f, sealed).length > 0), 'the scan does find the sealed blob');
    for (const f of before) assert.equal(windowsFound(f, plain), [], 'no plaintext template window');

    // Erase: secure_delete zeroes the rows, removePerson checkpoints and truncates the WAL.
    assert.ok(t.repo.removePerson('alice'));
    t.face.syncGallery();
    assert.not.ok(t.face.gallery!.has(enrolled.templateId));
    const after = filesOf(t.path);
    for (const f of after) {
      assert.equal(windowsFound(f, plain), [], 'no plain window after erase');
      assert.equal(windowsFound(f, sealed), [], 'no sealed window after erase');
    }

    // The erased face is a stranger now: the door stays shut.
    const relayChanges = t.relay.history.length;
    await t.approach();
    assert.is(t.store.events.query({ type: 'face.stranger' }).length, 1);
    assert.is(t.relay.history.length, relayChanges, 'no unlock');
    await t.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a restart with the same data key loads the sealed gallery and recognises the face; another key loads nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-face-sealed-'));
  try {
    const first = await openDoor(dir);
    const box = (await facesOf(ALICE[0]))[ALICE[1]]!;
    const { templateId } = await first.face.enrol({ personId: 'alice', images: [await portraitPhoto(ALICE[0], box)], consent: true });
    await first.close();

    const again = await openDoor(dir);
    assert.ok(again.face.gallery!.has(templateId), 'loaded at start with the same key');
    const decisions = await again.approach();
    assert.is(decisions.length, 1);
    assert.is(again.store.events.query({ type: 'access.granted' })[0]?.personId, 'alice');
    await again.close();

    rmSync(join(dir, 'data.key'));
    const otherKey = await openDoor(dir);
    assert.is(otherKey.face.status.templates, 0, 'a template sealed under another key does not open');
    await otherKey.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.after(closeSharedEngine);

test.run();
