// Store options for biometrics at rest: the template codec every face_templates reader
// and writer uses, and secure_delete on every connection.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Store } from '../../../firmware/store/index.js';
import { isSealed } from '../../../firmware/security/sealed.js';
import { plainTemplateCodec, sealedTemplateCodec } from '../../../firmware/store/template-codec.js';
import { tempDir } from './helpers.js';

test('secure_delete is on for every connection', () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const path of [join(dir, 't.db'), ':memory:']) {
      const store = Store.open({ path, terminalId: 'T1' });
      assert.is(store.db.pragma('secure_delete', { simple: true }), 1, path);
      store.close();
    }
  } finally {
    cleanup();
  }
});

test('the template codec is plain float32 by default, or the one given', () => {
  const plain = Store.open({ path: ':memory:', terminalId: 'T1' });
  assert.is(plain.templates.codec, plainTemplateCodec);
  plain.close();
  const codec = sealedTemplateCodec(Buffer.alloc(32, 7));
  const sealed = Store.open({ path: ':memory:', terminalId: 'T1', templateCodec: codec });
  assert.is(sealed.templates.codec, codec);
  const t = Float32Array.from({ length: 8 }, (_, i) => i / 8);
  const blob = sealed.templates.codec.encode('tpl-1', t);
  assert.ok(isSealed(blob));
  assert.equal(Array.from(sealed.templates.codec.decode('tpl-1', blob, 8)!), Array.from(t));
  sealed.close();
});

test('a codec without encode/decode is a programmer error', () => {
  for (const templateCodec of [{}, { encode: () => Buffer.alloc(0) }, 'sealed']) {
    assert.throws(
      () => Store.open({ path: ':memory:', terminalId: 'T1', templateCodec: templateCodec as never }),
      (err: unknown) => err instanceof TypeError,
    );
  }
});

test.run();
