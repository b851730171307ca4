// One way to open a store from a config (terminal and CLI): sealed templates, plain ones sealed at open.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { AccessRepository } from '../../../firmware/access/index.js';
import { defaultConfig } from '../../../firmware/config/index.js';
import { isSealed } from '../../../firmware/security/index.js';
import { openTemplate, openConfiguredStore, Store } from '../../../firmware/store/index.js';
import { Terminal } from '../../../firmware/terminal.js';
import { encodeTemplate } from '../../../firmware/store/template-codec.js';

const dir = mkdtempSync(join(tmpdir(), 'limen-open-configured-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const filesOf = (path: string) => Buffer.concat([readFileSync(path), existsSync(`${path}-wal`) ? readFileSync(`${path}-wal`) : Buffer.alloc(0)]);

/** A database written without encryption (an old CLI, or encryptTemplates off): one plain template. */
function plainStore(path: string) {
  const store = Store.open({ path, terminalId: 'door-1' });
  new AccessRepository(store).addPerson({ id: 'alice', name: 'Alice' });
  const template = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i));
  const id = randomUUID();
  store.db
    .prepare('INSERT INTO face_templates (id, person_id, model_id, dim, template, quality, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(id, 'alice', 'm', 512, encodeTemplate(template), null, 0);
  store.close();
  return { id, template, plain: encodeTemplate(template) };
}

const noPlainWindow = (path: string, plain: Buffer) => {
  const files = filesOf(path);
  for (let i = 0; i + 32 <= plain.length; i += 32) if (files.indexOf(plain.subarray(i, i + 32)) >= 0) return false;
  return true;
};

test('a terminal started on a store with plain templates seals them and purges the plain bytes (file and WAL)', async () => {
  const path = join(dir, 'plain', 'terminal.db');
  mkdirSync(join(dir, 'plain'));
  const { id, template, plain } = plainStore(path);
  assert.not.ok(noPlainWindow(path, plain), 'control: the scan sees the plain template');

  const config = defaultConfig('door-1', { store: { path }, face: { enabled: false } });
  const terminal = await Terminal.open({ config, clock: new FakeClock() });
  try {
    const blob = terminal.store.db.prepare<[string], Buffer>('SELECT template FROM face_templates WHERE id = ?').pluck().get(id)!;
    assert.ok(isSealed(blob), 'sealed at start');
    assert.equal(terminal.store.templates.codec.decode(id, blob, 512), template);
    assert.is(statSync(`${path}.key`).mode & 0o777, 0o600);
    assert.equal(openTemplate(readFileSync(`${path}.key`), id, blob, 512), template, 'under the key beside the database');
    assert.ok(noPlainWindow(path, plain), 'no plain template bytes left in the database or its WAL');
  } finally {
    await terminal.close();
  }
});

test('openConfiguredStore: says whether it created the file; encryptTemplates off keeps templates plain and makes no key', () => {
  const path = join(dir, 'off', 'nested', 'terminal.db');
  const config = defaultConfig('door-1', { store: { path, encryptTemplates: false } });
  const first = openConfiguredStore(config);
  assert.ok(first.created);
  assert.is(first.dataKey, null);
  first.store.close();
  const { plain } = plainStore(path);
  const again = openConfiguredStore(config);
  assert.not.ok(again.created);
  assert.is(again.sealedAtOpen, 0);
  assert.not.ok(existsSync(`${path}.key`));
  again.store.close();
  assert.not.ok(noPlainWindow(path, plain), 'left plain, as configured');

  const sealed = openConfiguredStore({ ...config, store: { ...config.store, encryptTemplates: true } });
  assert.is(sealed.sealedAtOpen, 1);
  assert.ok(sealed.dataKey);
  sealed.store.close();
  assert.ok(noPlainWindow(path, plain));
});

test.run();
