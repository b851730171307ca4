import * as assert from 'uvu/assert';
import { SiteError } from '../../../../tools/site/errors.js';

/** Awaits `p` and asserts it fails with a SiteError of this code. */
export async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    assert.instance(err, SiteError, String(err));
    assert.is((err as SiteError).code, code, String(err));
    return;
  }
  assert.unreachable(`expected ${code}`);
}
