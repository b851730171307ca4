import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Clock } from '../../../hal/clock.js';

/** Moves a clock under test forward; for a real clock, waits that long on the clock itself. */
export interface ClockControl {
  advance(ms: number): Promise<void>;
}

export type MakeClock = () => Promise<{ device: Clock; control: ClockControl }>;

/**
 * The Clock contract (hal/clock.ts). Assertions are about order and "not early",
 * never about how late a real timer fires. A real clock's timers may fire up to
 * 1 ms "early" when measured with now() (Node rounds), which the suite allows.
 */
export function clockContract(name: string, make: MakeClock): void {
  const test = suite(`${name}: Clock contract`);

  test('now is epoch milliseconds and never goes back', async () => {
    const { device: clock, control } = await make();
    const a = clock.now();
    assert.ok(Number.isFinite(a) && a > Date.UTC(2000, 0, 1), 'ms since the Unix epoch');
    await control.advance(5);
    const b = clock.now();
    assert.ok(b >= a + 4, `advanced: ${a} -> ${b}`);
  });

  test('setTimeout fires once, not early, timers in due order', async () => {
    const { device: clock, control } = await make();
    const start = clock.now();
    const fired: Array<[string, number]> = [];
    clock.setTimeout(() => fired.push(['late', clock.now()]), 20);
    clock.setTimeout(() => fired.push(['early', clock.now()]), 5);
    clock.setTimeout(() => fired.push(['zero', clock.now()]), 0);
    await control.advance(40);
    assert.equal(
      fired.map(([n]) => n),
      ['zero', 'early', 'late'],
    );
    assert.ok((fired[1]?.[1] ?? 0) >= start + 4, 'the 5 ms timer did not fire early');
    assert.ok((fired[2]?.[1] ?? 0) >= start + 19, 'the 20 ms timer did not fire early');
    await control.advance(30);
    assert.is(fired.length, 3, 'each fired once');
  });

  test('a cancelled timer never fires; cancelling twice or after firing does nothing', async () => {
    const { device: clock, control } = await make();
    let cancelled = 0;
    let fired = 0;
    const h = clock.setTimeout(() => cancelled++, 5);
    h.cancel();
    h.cancel();
    const done = clock.setTimeout(() => fired++, 5);
    await control.advance(20);
    done.cancel();
    assert.is(cancelled, 0);
    assert.is(fired, 1);
  });

  test('setInterval repeats until cancelled, also from inside its callback', async () => {
    const { device: clock, control } = await make();
    let ticks = 0;
    const h = clock.setInterval(() => {
      ticks++;
      if (ticks === 3) h.cancel();
    }, 5);
    // step until the third tick (a loaded machine may run a real interval late)
    for (let steps = 0; ticks < 3 && steps < 1_000; steps++) await control.advance(5);
    assert.is(ticks, 3);
    await control.advance(20);
    assert.is(ticks, 3, 'no tick after the cancel');
  });

  test('setInterval rejects a period of 0 or less with TypeError', async () => {
    const { device: clock } = await make();
    assert.throws(() => clock.setInterval(() => {}, 0), TypeError);
    assert.throws(() => clock.setInterval(() => {}, -1), TypeError);
  });

  test.run();
}
