/**
 * One contract for both listener sets: the HAL/firmware one (hal/events.ts) and the
 * SDK's twin (sdk/src/listeners.ts), which the published SDK keeps because it cannot
 * import the HAL. The rule: in order; a throwing listener does not stop the others;
 * its error goes to onThrow, or without one is rethrown by emit after all ran.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Listeners as HalListeners } from '../../hal/events.js';
import { Listeners as SdkListeners } from '../../sdk/src/listeners.js';

type Make = <T>(onThrow?: (err: unknown, value: T) => void) => { add(h: (v: T) => void): () => void; emit(v: T): void; clear(): void; readonly size: number };

for (const [name, make] of [
  ['hal', (o?: (err: unknown, value: unknown) => void) => new HalListeners(o)],
  ['sdk', (o?: (err: unknown, value: unknown) => void) => new SdkListeners(o)],
] as Array<[string, Make]>) {
  test(`${name}: listeners run in the order added; unsubscribe and clear remove them`, () => {
    const l = make<number>();
    const seen: string[] = [];
    const offA = l.add((v) => seen.push(`a${v}`));
    l.add((v) => seen.push(`b${v}`));
    l.emit(1);
    offA();
    l.emit(2);
    assert.equal(seen, ['a1', 'b1', 'b2']);
    assert.is(l.size, 1);
    l.clear();
    l.emit(3);
    assert.is(l.size, 0);
    assert.throws(() => l.add(null as never), TypeError);
  });

  test(`${name}: a throwing listener does not stop the others; its error goes to onThrow with the value`, () => {
    const reported: Array<[string, number]> = [];
    const l = make<number>((err, v) => reported.push([(err as Error).message, v]));
    const seen: number[] = [];
    l.add(() => {
      throw new Error('boom');
    });
    l.add((v) => seen.push(v));
    l.emit(7);
    assert.equal(seen, [7]);
    assert.equal(reported, [['boom', 7]]);
  });

  test(`${name}: without onThrow, emit rethrows the first error after every listener ran`, () => {
    const l = make<number>();
    const seen: number[] = [];
    l.add(() => {
      throw new Error('first');
    });
    l.add(() => {
      throw new Error('second');
    });
    l.add((v) => seen.push(v));
    assert.throws(() => l.emit(1), /first/);
    assert.equal(seen, [1]);
  });
}

test.run();
