import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ModelError } from '../../models/errors.js';
import { extractFromTar } from '../../models/tar.js';
import { makeTar } from './tarball.js';

test('extracts only the wanted files, including pax long names', () => {
  const long = `package/${'deep/'.repeat(30)}model.onnx`;
  const tar = makeTar({ 'package/a.bin': Buffer.from('hello'), 'package/b.bin': Buffer.alloc(1500, 7), [long]: Buffer.from('long') });
  const out = extractFromTar(tar, new Set(['package/b.bin', long, 'package/missing']));
  assert.equal([...out.keys()].sort(), [long, 'package/b.bin'].sort());
  assert.is(out.get('package/b.bin')!.length, 1500);
  assert.is(Buffer.from(out.get(long)!).toString(), 'long');
});

test('a truncated archive is BAD_TARBALL', () => {
  const tar = makeTar({ 'package/a.bin': Buffer.alloc(4000, 1) });
  try {
    extractFromTar(tar.subarray(0, 1500), new Set(['package/a.bin']));
    assert.unreachable();
  } catch (err) {
    assert.instance(err, ModelError);
    assert.is((err as ModelError).code, 'BAD_TARBALL');
  }
});

test.run();
