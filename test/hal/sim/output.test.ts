import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FakeClock } from '../../../hal/sim/fake-clock.js';
import { SimOutput } from '../../../hal/sim/output.js';

test('history records level changes at clock time, and activeMs sums them', async () => {
  const clock = new FakeClock(0);
  const out = new SimOutput({ clock });
  await out.set(true);
  clock.advance(100);
  await out.set(true);
  await out.set(false);
  clock.advance(50);
  await out.set(true);
  clock.advance(25);
  assert.equal(out.history, [
    { active: true, at: 0 },
    { active: false, at: 100 },
    { active: true, at: 150 },
  ]);
  assert.is(out.activeMs(), 125);
  await out.close();
  assert.equal(out.history.at(-1), { active: false, at: 175 });
  assert.is(out.isClosed, true);
});

test('set with a non-boolean rejects with TypeError', async () => {
  const out = new SimOutput({ clock: new FakeClock() });
  try {
    await out.set('on' as unknown as boolean);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, TypeError);
  }
});

test.run();
