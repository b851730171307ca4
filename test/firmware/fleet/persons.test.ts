// Persons from the fleet in the terminal's store: records, groups, credentials,
// templates (f32 and i8) with consent, and coded refusals before anything is written.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AccessRepository } from '../../../firmware/access/index.js';
import { CommandError } from '../../../firmware/fleet/index.js';
import { FleetPersons, templateVector } from '../../../firmware/fleet/persons.js';
import { META_KEYS, Store } from '../../../firmware/store/index.js';
import { randomBytes } from 'node:crypto';
import { DATA_KEY_BYTES } from '../../../firmware/security/data-key.js';
import { isSealed } from '../../../firmware/security/sealed.js';
import { decodeTemplate, sealedTemplateCodec } from '../../../firmware/store/index.js';

const CONSENT = { subject: 'Ann Example', givenAt: 1_700_000_000_000, method: 'signed-form' as const, reference: 'F-2231' };

function open(withPhotos = false) {
  const store = Store.open({ path: ':memory:', terminalId: 't1' });
  const repository = new AccessRepository(store);
  const enrolled: Array<{ id: string; n: number }> = [];
  const persons = new FleetPersons({
    store,
    repository,
    ...(withPhotos && {
      enrolPhotos: async (id: string, images: Uint8Array[]) => {
        if (images.some((i) => i.length === 0)) throw Object.assign(new Error('no face in the photo'), { code: 'NO_FACE' });
        enrolled.push({ id, n: images.length });
      },
    }),
  });
  return { store, repository, persons, enrolled };
}

async function code(p: Promise<unknown>): Promise<string> {
  const err = await p.then(() => null, (e: unknown) => e);
  assert.instance(err, CommandError);
  return `${(err as CommandError).code} ${(err as Error).message}`;
}

test('i8 templates are scaled back to float32; f32 ones are read as little-endian', () => {
  const i8 = Buffer.from(Int8Array.from([127, -127, 0, 64]).buffer).toString('base64');
  assert.equal([...templateVector({ model: 'm', format: 'i8', dim: 4, scale: 0.5, data: i8 })], [63.5, -63.5, 0, 32]);
  const f = Float32Array.from([0.25, -1, 2, 0]);
  assert.equal([...templateVector({ model: 'm', format: 'f32', dim: 4, data: Buffer.from(f.buffer).toString('base64') })], [0.25, -1, 2, 0]);
});

test('an upsert writes person, groups, card, PIN and templates, and bumps the gallery version', async () => {
  const { store, repository, persons } = open();
  const v = Float32Array.from({ length: 16 }, (_, i) => i / 16);
  await persons.upsert([
    {
      id: 'ann',
      name: 'Ann',
      groups: ['staff'],
      credentials: [
        { type: 'card', value: '0042' },
        { type: 'pin', value: '1234' },
      ],
      faces: [{ template: { model: 'mf', format: 'f32', dim: 16, data: Buffer.from(v.buffer).toString('base64') }, consent: CONSENT }],
    },
  ]);
  assert.is(repository.getPerson('ann')?.name, 'Ann');
  assert.equal(repository.groupsOf('ann').map((g) => g.id), ['staff']);
  assert.is(repository.findCredential('card', '42')?.personId, 'ann');
  assert.is(repository.findCredential('pin', '1234')?.personId, 'ann');
  assert.is(repository.findCredential('face', 'ann')?.personId, 'ann');
  const row = store.db.prepare('SELECT id, dim, template FROM face_templates WHERE person_id = ?').get('ann') as { id: string; dim: number; template: Buffer };
  assert.equal([...decodeTemplate(row.template, row.dim)!], [...v]);
  assert.equal([...store.templates.codec.decode(row.id, row.template, row.dim)!], [...v]);
  assert.is(store.meta.getInt(META_KEYS.templatesVersion), 1);
  store.close();
});

test('templates are written through the store codec: sealed on a terminal with a data key', async () => {
  const store = Store.open({ path: ':memory:', terminalId: 't1', templateCodec: sealedTemplateCodec(randomBytes(DATA_KEY_BYTES)) });
  const persons = new FleetPersons({ store, repository: new AccessRepository(store) });
  const v = Float32Array.from({ length: 16 }, (_, i) => i - 8);
  await persons.upsert([{ id: 'hal', faces: [{ template: { model: 'mf', format: 'f32', dim: 16, data: Buffer.from(v.buffer).toString('base64') }, consent: CONSENT }] }]);
  const row = store.db.prepare('SELECT id, dim, template FROM face_templates').get() as { id: string; dim: number; template: Buffer };
  assert.ok(isSealed(row.template));
  assert.is(decodeTemplate(row.template, row.dim), null, 'not readable as plain float32');
  assert.equal([...store.templates.codec.decode(row.id, row.template, row.dim)!], [...v]);
  store.close();
});

test('refusals are coded and nothing of the request is written', async () => {
  const { store, repository, persons } = open();
  assert.match(await code(persons.upsert([{ id: 'ok' }, { id: 'has space' }])), /^REJECTED persons\.1\.id: /);
  // A face without its consent record (a caller that skipped the schema): refused with its own code.
  const bare = { template: { model: 'mf', format: 'f32' as const, dim: 16, data: Buffer.alloc(64).toString('base64') } };
  assert.match(await code(persons.upsert([{ id: 'nc', faces: [bare as never] }])), /^CONSENT_REQUIRED persons\.0\.faces\.0\.consent: /);
  assert.match(await code(persons.upsert([{ id: 'q', credentials: [{ type: 'qr', value: 'x' }] }])), /^NOT_SUPPORTED persons\.0\.credentials\.0: /);
  assert.match(await code(persons.upsert([{ id: 'p', faces: [{ photo: { mime: 'image/jpeg', data: 'AAAA' }, consent: CONSENT }] }])), /^NOT_SUPPORTED persons\.0\.faces\.0: /);
  assert.match(await code(persons.upsert([{ id: 'a', credentials: [{ type: 'card', value: '12x' }] }])), /^REJECTED persons\.0: /);
  // A card taken by someone else refuses the whole request.
  await persons.upsert([{ id: 'b', credentials: [{ type: 'card', value: '7' }] }]);
  assert.match(await code(persons.upsert([{ id: 'c' }, { id: 'd', credentials: [{ type: 'card', value: '7' }] }])), /^REJECTED persons\.1: .*already assigned/);
  assert.equal(repository.listPersons().map((p) => p.id), ['b']);
  store.close();
});

test('photos go to the enroller after the record is written; enrolment errors name the record', async () => {
  const { store, repository, persons, enrolled } = open(true);
  const photo = { photo: { mime: 'image/jpeg' as const, data: Buffer.from('jpeg').toString('base64') }, consent: CONSENT };
  await persons.upsert([{ id: 'eve', faces: [photo, photo] }]);
  assert.equal(enrolled, [{ id: 'eve', n: 2 }]);
  assert.ok(repository.getPerson('eve'));
  const message = await code(persons.upsert([{ id: 'fay', faces: [{ photo: { mime: 'image/jpeg', data: '' }, consent: CONSENT }] }]));
  assert.is(message, 'REJECTED persons.0.faces: no face in the photo');
  assert.is(repository.getPerson('fay'), undefined, 'a person created by the refused request is erased again');
  // An existing person keeps the update.
  const again = await code(persons.upsert([{ id: 'eve', name: 'Eve', faces: [{ photo: { mime: 'image/jpeg', data: '' }, consent: CONSENT }] }]));
  assert.match(again, /^REJECTED /);
  assert.is(repository.getPerson('eve')?.name, 'Eve');
  store.close();
});

test('remove erases persons and counts only those that existed', async () => {
  const { store, persons } = open();
  await persons.upsert([{ id: 'x' }, { id: 'y' }]);
  assert.equal(persons.remove(['x', 'nobody', 'not valid id']), { removed: 1 });
  store.close();
});

test('erasing a person truncates the WAL, so the template leaves no copy there', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'limen-fleet-persons-'));
  const path = join(dir, 't.db');
  const store = Store.open({ path, terminalId: 't1' });
  try {
    const persons = new FleetPersons({ store, repository: new AccessRepository(store) });
    const v = Float32Array.from({ length: 16 }, (_, i) => 0.1 + i);
    await persons.upsert([{ id: 'gus', faces: [{ template: { model: 'mf', format: 'f32', dim: 16, data: Buffer.from(v.buffer).toString('base64') }, consent: CONSENT }] }]);
    assert.ok(statSync(`${path}-wal`).size > 0);
    assert.equal(persons.remove(['gus']), { removed: 1 });
    assert.is(statSync(`${path}-wal`).size, 0);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the consent stored is the record the backend sent, the latest of several faces', async () => {
  const { store, repository, persons } = open();
  const t = { model: 'mf', format: 'f32' as const, dim: 16, data: Buffer.from(new Float32Array(16).fill(0.5).buffer).toString('base64') };
  const older = { subject: 'Ann Example', givenAt: 1_600_000_000_000, method: 'kiosk' as const };
  await persons.upsert([{ id: 'ann', faces: [{ template: t, consent: older }, { template: t, consent: CONSENT }] }]);
  assert.equal(repository.listConsents('ann'), [
    { personId: 'ann', kind: 'face', grantedAt: CONSENT.givenAt, source: 'fleet:signed-form', record: { subject: 'Ann Example', method: 'signed-form', reference: 'F-2231' } },
  ]);
  // A person sent without faces gets no consent row at all.
  await persons.upsert([{ id: 'bo', credentials: [{ type: 'card', value: '99' }] }]);
  assert.equal(repository.listConsents('bo'), []);
  store.close();
});

test.run();
