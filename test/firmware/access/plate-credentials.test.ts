// Licence plates as credentials: stored normalised, one owner per plate, found exactly or
// at a tolerant strictness, and sent by the fleet in persons.upsert.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { personRecord } from '@limen/sdk/protocol';
import { AccessError, AccessRepository } from '../../../firmware/access/index.js';
import { CommandError } from '../../../firmware/fleet/index.js';
import { FleetPersons } from '../../../firmware/fleet/persons.js';
import { Store } from '../../../firmware/store/index.js';

function open() {
  const store = Store.open({ path: ':memory:', terminalId: 't1' });
  const repository = new AccessRepository(store);
  repository.addPerson({ id: 'ann', name: 'Ann' });
  repository.addPerson({ id: 'bob', name: 'Bob' });
  return { store, repository };
}

function thrownCode(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

test('a plate is stored normalised and found in any spelling the normaliser accepts', () => {
  const { store, repository } = open();
  const c = repository.addPlate('ann', ' 京a12345 ');
  assert.is(c.type, 'plate');
  assert.is(c.valueKey, '京A12345');
  assert.is(repository.findCredential('plate', '京A12345')?.id, c.id);
  assert.is((repository.findPlate('京a12345', 'exact') as { id: string }).id, c.id);
  store.close();
});

test('a plate has one owner; a malformed plate is refused with INVALID_PLATE', () => {
  const { store, repository } = open();
  repository.addPlate('ann', '京A12345');
  assert.is(thrownCode(() => repository.addPlate('bob', '京A12345')), 'ALREADY_EXISTS');
  assert.is(thrownCode(() => repository.addPlate('bob', 'AB')), 'INVALID_PLATE');
  let err: unknown;
  try {
    repository.addPlate('bob', 'x');
  } catch (e) {
    err = e;
  }
  assert.instance(err, AccessError);
  store.close();
});

test('a tolerant strictness finds the one plate a misread names, and refuses to guess between two', () => {
  const { store, repository } = open();
  const ann = repository.addPlate('ann', '京A12345');
  assert.is(repository.findPlate('京A1234S', 'exact'), undefined);
  assert.is((repository.findPlate('京A1234S', 'confusable') as { id: string } | undefined)?.id, ann.id);
  assert.is((repository.findPlate('京A12346', 'one-edit') as { id: string } | undefined)?.id, ann.id);
  repository.addPlate('bob', '京A12347');
  // 京A12346 is one edit from both residents' plates.
  assert.is(repository.findPlate('京A12346', 'one-edit'), 'ambiguous');
  store.close();
});

test('persons.upsert writes plate credentials and replaces them on the next upsert', async () => {
  const { store, repository } = open();
  const persons = new FleetPersons({ store, repository });
  await persons.upsert([{ id: 'cara', name: 'Cara', credentials: [{ type: 'plate', value: '沪B2345D' }, { type: 'card', value: '77' }] }]);
  assert.is(repository.findCredential('plate', '沪B2345D')?.personId, 'cara');
  await persons.upsert([{ id: 'cara', credentials: [{ type: 'plate', value: '沪C99999' }] }]);
  assert.is(repository.findCredential('plate', '沪B2345D'), undefined);
  assert.is(repository.findCredential('card', '77'), undefined);
  assert.is(repository.findCredential('plate', '沪C99999')?.personId, 'cara');
  store.close();
});

test('persons.upsert with a malformed plate is refused before anything is written', async () => {
  const { store, repository } = open();
  const persons = new FleetPersons({ store, repository });
  const err = await persons.upsert([{ id: 'dan', name: 'Dan', credentials: [{ type: 'plate', value: 'AB' }] }]).then(
    () => null,
    (e: unknown) => e,
  );
  assert.instance(err, CommandError);
  assert.is((err as CommandError).code, 'REJECTED');
  assert.is(repository.getPerson('dan'), undefined);
  store.close();
});

test('the wire schema takes plate credentials and refuses a value that is no plate', () => {
  assert.ok(personRecord.safeParse({ id: 'p1', credentials: [{ type: 'plate', value: '粤B12345' }] }).success);
  const bad = personRecord.safeParse({ id: 'p1', credentials: [{ type: 'plate', value: 'AB' }] });
  assert.not.ok(bad.success);
  assert.equal(bad.error?.issues[0]?.path, ['credentials', 0, 'value']);
});

test.run();
