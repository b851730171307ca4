import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SimDisplay } from '../../../hal/sim/display.js';
import { FakeClock } from '../../../hal/sim/fake-clock.js';

test('history keeps every rendered state with its time; current is a frozen copy', async () => {
  const clock = new FakeClock(0);
  const display = new SimDisplay({ clock });
  const state = { mode: 'granted' as const, title: 'Ada', detail: 'Welcome' };
  await display.render(state);
  state.title = 'changed later';
  clock.advance(10);
  await display.render({ mode: 'idle', title: '' , qr: 'LIMEN:abc' });
  assert.equal(display.history, [
    { state: { mode: 'granted', title: 'Ada', detail: 'Welcome' }, at: 0 },
    { state: { mode: 'idle', title: '', qr: 'LIMEN:abc' }, at: 10 },
  ]);
  assert.ok(Object.isFrozen(display.current));
  await display.close();
  assert.equal(display.history.at(-1)?.state, { mode: 'idle', title: '' });
});

test.run();
