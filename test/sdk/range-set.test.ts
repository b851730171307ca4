import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { RangeSet, toRanges } from '../../sdk/src/range-set.js';

test('RangeSet behaves like a Set of integers, compactly', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 150 }), fc.integer({ min: 0, max: 200 }), (adds, drop) => {
      const rs = new RangeSet();
      const ref = new Set<number>();
      for (const n of adds) {
        rs.add(n);
        ref.add(n);
      }
      rs.dropThrough(drop);
      for (const n of [...ref]) if (n <= drop) ref.delete(n);
      for (let n = 0; n <= 201; n++) if (rs.has(n) !== ref.has(n)) return false;
      const ranges = rs.toArray();
      for (let i = 1; i < ranges.length; i++) if (ranges[i]![0] <= ranges[i - 1]![1] + 1) return false;
      return true;
    }),
  );
});

test('toRanges compresses ascending runs', () => {
  assert.equal(toRanges([1, 2, 3, 5, 7, 8]), [[1, 3], [5, 5], [7, 8]]);
  assert.equal(toRanges([]), []);
});

test.run();
