import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AccessRepository, AccessService } from '../../../firmware/access/index.js';
import { FleetPersons } from '../../../firmware/fleet/persons.js';
import { silentLogger } from '../../../firmware/log.js';
import { loadDataKey, loadOrCreateDataKey } from '../../../firmware/security/data-key.js';
import { SecurityError } from '../../../firmware/security/errors.js';
import { erasePerson } from '../../../firmware/privacy/secure-erase.js';
import { sealPlainTemplates, truncateWal, FaceSnapshots, Store } from '../../../firmware/store/index.js';
import { isSealed } from '../../../firmware/security/sealed.js';
import { encodeTemplate, openTemplate, plainTemplateCodec, sealTemplate, sealedTemplateCodec } from '../../../firmware/store/template-codec.js';

const dir = mkdtempSync(join(tmpdir(), 'limen-bio-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const randomTemplate = () => Float32Array.from({ length: 512 }, () => Math.random() * 2 - 1);

/** True when any 32-byte window (stride 64) of `needle` occurs in the file or its -wal. */
function fileHolds(path: string, needle: Buffer): boolean {
  const hay = Buffer.concat([readFileSync(path), existsSync(`${path}-wal`) ? readFileSync(`${path}-wal`) : Buffer.alloc(0)]);
  for (let i = 0; i + 32 <= needle.length; i += 64) if (hay.indexOf(needle.subarray(i, i + 32)) >= 0) return true;
  return false;
}

function withPeople(name: string, secure: boolean) {
  const path = join(dir, `${name}.sqlite`);
  const key = loadOrCreateDataKey(join(dir, `${name}.key`));
  const store = Store.open({ path, terminalId: 't1', logger: silentLogger() });
  const repo = new AccessRepository(store);
  const rows: Record<string, { id: string; plain: Buffer; sealed: Buffer; template: Float32Array }> = {};
  for (const who of ['alice', 'bob']) {
    repo.addPerson({ id: who, name: who });
    const template = randomTemplate();
    const id = randomUUID();
    const sealed = secure ? sealTemplate(key, id, template) : encodeTemplate(template);
    store.db.prepare('INSERT INTO face_templates (id, person_id, model_id, dim, template, quality, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(id, who, 'm', 512, sealed, null, 0);
    rows[who] = { id, plain: encodeTemplate(template), sealed, template };
  }
  return { path, key, store, repo, rows };
}

test('templates are stored sealed: the database file holds no plaintext template bytes', () => {
  const { path, key, store, rows } = withPeople('sealed', true);
  try {
    truncateWal(store);
    assert.not.ok(fileHolds(path, rows.alice!.plain));
    assert.ok(fileHolds(path, rows.alice!.sealed), 'the scanner finds the sealed blob');
    const blob = store.db.prepare<[string], Buffer>('SELECT template FROM face_templates WHERE id = ?').pluck().get(rows.alice!.id)!;
    assert.equal(openTemplate(key, rows.alice!.id, blob, 512), rows.alice!.template);
    // Bound to its row, and to this key.
    assert.is(openTemplate(key, rows.bob!.id, blob, 512), null);
    assert.is(openTemplate(Buffer.alloc(32, 7), rows.alice!.id, blob, 512), null);
    const altered = Buffer.from(blob);
    altered[40]! ^= 1;
    assert.is(openTemplate(key, rows.alice!.id, altered, 512), null);
  } finally {
    store.close();
  }
});

test('erasePerson leaves no byte of the template (sealed or plain) in the database or its WAL; others stay', () => {
  const { path, store, repo, rows } = withPeople('erase', true);
  try {
    truncateWal(store);
    // Reads and writes after the last checkpoint put page images in the WAL too.
    repo.addPerson({ id: 'carol', name: 'carol' });
    const r = erasePerson(store, repo, 'alice');
    assert.ok(r.removed);
    assert.not.ok(r.checkpoint.busy);
    assert.is(statSync(`${path}-wal`).size, 0);
    assert.not.ok(fileHolds(path, rows.alice!.sealed), 'sealed template bytes left behind');
    assert.not.ok(fileHolds(path, rows.alice!.plain), 'plain template bytes left behind');
    assert.ok(fileHolds(path, rows.bob!.sealed), 'bob is untouched');
    assert.is(store.db.prepare('SELECT count(*) FROM face_templates WHERE person_id = ?').pluck().get('alice'), 0);
  } finally {
    store.close();
  }
});

test('control: a plain DELETE without secure_delete leaves the bytes (the scan is able to see them)', () => {
  const { path, store, rows } = withPeople('control', false);
  try {
    truncateWal(store);
    store.db.pragma('secure_delete = OFF');
    store.db.prepare('DELETE FROM persons WHERE id = ?').run('alice');
    truncateWal(store);
    assert.ok(fileHolds(path, rows.alice!.plain));
  } finally {
    store.close();
  }
});

test('turning encryption on: the codec reads old plain rows, sealPlainTemplates seals them and purges the plain bytes', () => {
  const { path, key, store, rows } = withPeople('migrate', false);
  try {
    truncateWal(store);
    const codec = sealedTemplateCodec(key);
    const blob = () => store.db.prepare<[string], Buffer>('SELECT template FROM face_templates WHERE id = ?').pluck().get(rows.alice!.id)!;
    assert.equal(codec.decode(rows.alice!.id, blob(), 512), rows.alice!.template);
    assert.ok(fileHolds(path, rows.alice!.plain));
    const r = sealPlainTemplates(store, key);
    assert.is(r.sealed, 2);
    assert.ok(isSealed(blob()));
    assert.equal(codec.decode(rows.alice!.id, blob(), 512), rows.alice!.template);
    assert.not.ok(fileHolds(path, rows.alice!.plain), 'plain bytes left after sealing');
    assert.not.ok(fileHolds(path, rows.bob!.plain));
    assert.is(sealPlainTemplates(store, key).sealed, 0);
    // The codec seals what it writes.
    assert.ok(isSealed(codec.encode('x', rows.bob!.template)));
    assert.equal(plainTemplateCodec.decode('x', plainTemplateCodec.encode('x', rows.bob!.template), 512), rows.bob!.template);
  } finally {
    store.close();
  }
});

/** True when `text` (UTF-8) occurs anywhere in the database file or its -wal. */
function fileHoldsText(path: string, text: string): boolean {
  const hay = Buffer.concat([readFileSync(path), existsSync(`${path}-wal`) ? readFileSync(`${path}-wal`) : Buffer.alloc(0)]);
  return hay.indexOf(Buffer.from(text, 'utf8')) >= 0;
}

/** A person with a card, granted twice; a spoof claiming them with a snapshot; bob, granted once. */
function withEvents(name: string) {
  const path = join(dir, `${name}.sqlite`);
  const store = Store.open({ path, terminalId: 't1', logger: silentLogger() });
  const repo = new AccessRepository(store);
  const access = new AccessService({ store, timeZone: 'UTC', repository: repo });
  const snapshots = new FaceSnapshots(store, loadOrCreateDataKey(join(dir, `${name}.key`)));
  const group = repo.addGroup({ id: 'residents', name: 'Residents', scheduleId: null }).id;
  repo.addPerson({ id: 'alice-liddell', name: 'Alice Pleasance Liddell', groupIds: [group] });
  repo.addCard('alice-liddell', '7654321');
  repo.addPerson({ id: 'bob-dylan', name: 'Bob Dylan', groupIds: [group] });
  repo.addCard('bob-dylan', '1111222');
  access.present({ type: 'card', value: '7654321' });
  access.present({ type: 'card', value: '7654321' });
  const spoof = access.present({ type: 'face', personId: 'alice-liddell', score: 0.8, liveness: 0.1, spoofSuspected: true }).event;
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.from('alice face pixels '.repeat(20)), Buffer.from([0xff, 0xd9])]);
  const snap = snapshots.add({ jpeg, eventSeq: spoof.seq, personId: spoof.personId });
  access.present({ type: 'card', value: '1111222' });
  return { path, store, repo, snapshots, snap };
}

function assertErasedFromLog(path: string, store: Store, snapshots: FaceSnapshots, snapId: string) {
  const events = store.events.query({});
  assert.is(store.events.query({ personId: 'alice-liddell' }).length, 0, 'no event names the person any more');
  const hers = events.filter((e) => e.personId !== 'bob-dylan');
  assert.equal(
    hers.map((e) => [e.type, e.result, e.credentialType, e.credentialRef]),
    [
      ['access.granted', 'granted', 'card', null],
      ['access.granted', 'granted', 'card', null],
      ['face.spoof-suspected', 'denied', 'face', null],
    ],
    'the events stay: someone passed, at that time, with a card',
  );
  const pseudonyms = new Set(hers.map((e) => e.personId));
  assert.is(pseudonyms.size, 1, 'one pseudonym per erasure');
  assert.match([...pseudonyms][0]!, /^erased-[0-9a-f]{16}$/);
  for (const e of hers) assert.not.ok(e.data && ('credentialId' in e.data || 'personId' in e.data), JSON.stringify(e.data));
  assert.equal(hers[2]!.data, { score: 0.8, liveness: 0.1 });
  assert.is(snapshots.get(snapId), null, 'the snapshot of the spoof claiming her is gone');
  assert.equal(events.filter((e) => e.personId === 'bob-dylan').map((e) => e.credentialRef), ['1111222'], 'bob keeps his');
  assert.is(statSync(`${path}-wal`).size, 0);
  for (const text of ['alice-liddell', 'Alice Pleasance Liddell', '7654321', 'alice face pixels']) {
    assert.not.ok(fileHoldsText(path, text), `"${text}" left in the database or its WAL`);
  }
  assert.ok(fileHoldsText(path, '1111222'), 'control: the scan sees a card number that stays');
}

test('erasePerson reaches the event log: her events keep type, result and time under a pseudonym; no byte of her id, name, card or snapshot stays', () => {
  const { path, store, repo, snapshots, snap } = withEvents('erase-events');
  try {
    const r = erasePerson(store, repo, 'alice-liddell');
    assert.ok(r.removed);
    assert.is(r.eventsPseudonymised, 3);
    assert.is(r.snapshotsDeleted, 1);
    assertErasedFromLog(path, store, snapshots, snap.id);
  } finally {
    store.close();
  }
});

test("the fleet's persons.remove erases the same way", async () => {
  const { path, store, repo, snapshots, snap } = withEvents('erase-fleet');
  try {
    const persons = new FleetPersons({ store, repository: repo });
    assert.equal(persons.remove(['alice-liddell']), { removed: 1 });
    assertErasedFromLog(path, store, snapshots, snap.id);
  } finally {
    store.close();
  }
});

test('data key: created 0600, reused, refused when others can read it or it has the wrong size', () => {
  const p = join(dir, 'k1.key');
  const k = loadOrCreateDataKey(p);
  assert.is(statSync(p).mode & 0o777, 0o600);
  assert.equal(loadOrCreateDataKey(p), k);
  chmodSync(p, 0o644);
  const err = (() => {
    try {
      loadDataKey(p);
    } catch (e) {
      return e;
    }
  })();
  assert.instance(err, SecurityError);
  assert.is((err as SecurityError).code, 'KEY_FILE_PERMISSIONS');
  const short = join(dir, 'short.key');
  writeFileSync(short, Buffer.alloc(5), { mode: 0o600 });
  assert.throws(() => loadDataKey(short), (e: SecurityError) => e.code === 'BAD_KEY_FILE');
});

test.run();
