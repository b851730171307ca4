import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// The whole tree type-checks under the strict tsconfig (tsx runs tests without checking types).
const root = fileURLToPath(new URL('..', import.meta.url));

test('tsc --noEmit reports no type errors', () => {
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url)), '--noEmit', '-p', root], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.is(r.stdout + r.stderr, '', 'type errors');
  assert.is(r.status, 0);
});

test.run();
