import type { RowCodec } from './row-codec.js';
import type { Scored } from './search-types.js';
import { TOMBSTONE, type Segment } from './segment.js';

/**
 * The `want` best live rows of every segment by a float dot product with the
 * unit query `q`, in no particular order: the search without the int8 index
 * (fastPath 'float', onnxruntime missing or failing, and `searchExact`).
 */
export function fullScan(segments: readonly Segment[], codec: RowCodec, q: Float32Array, dim: number, want: number): Scored[] {
  // A min-heap of the best rows so far: the root is the weakest kept.
  const heapScore = new Float64Array(want);
  const heapSeg = new Int32Array(want);
  const heapRow = new Int32Array(want);
  let n = 0;
  for (let s = 0; s < segments.length; s++) {
    const { slots, rows, count } = segments[s]!;
    for (let r = 0; r < count; r++) {
      if (slots[r] === TOMBSTONE) continue;
      const score = codec.dot(q, rows, r, dim);
      let i: number;
      if (n < want) {
        // Sift up from the new leaf.
        i = n++;
        while (i > 0) {
          const parent = (i - 1) >> 1;
          if (heapScore[parent]! <= score) break;
          heapScore[i] = heapScore[parent]!;
          heapSeg[i] = heapSeg[parent]!;
          heapRow[i] = heapRow[parent]!;
          i = parent;
        }
      } else if (score > heapScore[0]!) {
        // Replace the root and sift down.
        i = 0;
        for (;;) {
          const left = 2 * i + 1;
          if (left >= n) break;
          const c = left + 1 < n && heapScore[left + 1]! < heapScore[left]! ? left + 1 : left;
          if (heapScore[c]! >= score) break;
          heapScore[i] = heapScore[c]!;
          heapSeg[i] = heapSeg[c]!;
          heapRow[i] = heapRow[c]!;
          i = c;
        }
      } else {
        continue;
      }
      heapScore[i] = score;
      heapSeg[i] = s;
      heapRow[i] = r;
    }
  }
  const scored: Scored[] = [];
  for (let i = 0; i < n; i++) {
    const seg = segments[heapSeg[i]!]!;
    const row = heapRow[i]!;
    scored.push({ slot: seg.slots[row]!, serial: seg.serials[row]!, score: heapScore[i]!, rows: seg.rows, row });
  }
  return scored;
}
