import { quantiseQuery } from './quantize.js';
import type { RowCodec, Rows } from './row-codec.js';
import type { Scored } from './search-types.js';
import { TOMBSTONE, type Segment } from './segment.js';
import type { SegmentScan } from './segment-index.js';

/** What a search captures of a segment before it awaits the scan. */
interface Captured {
  slots: Int32Array;
  serials: Int32Array;
  rows: Rows;
}

/**
 * Candidates by the int8 scan: each indexed segment's onnxruntime scan proposes
 * rows, the `want` best of them (by approximate score) are scored again with a
 * float dot product, and rows added since the last indexing are scored in full.
 * Rejects when a scan fails (the caller falls back to the full scan).
 */
export async function int8Scan(segments: readonly Segment[], codec: RowCodec, q: Float32Array, dim: number, want: number): Promise<Scored[]> {
  const query = quantiseQuery(q);
  const scored: Scored[] = [];
  const scans: Array<Promise<{ scan: SegmentScan; at: Captured }>> = [];
  // Everything is captured synchronously, so a re-index finishing mid-search
  // cannot mix row numbers of two layouts.
  for (const seg of segments) {
    const at: Captured = { slots: seg.slots, serials: seg.serials, rows: seg.rows };
    for (let r = seg.indexed; r < seg.count; r++) {
      const slot = at.slots[r]!;
      if (slot !== TOMBSTONE) scored.push({ slot, serial: at.serials[r]!, score: codec.dot(q, at.rows, r, dim), rows: at.rows, row: r });
    }
    if (seg.index && seg.indexed > 0) {
      scans.push(seg.index.scan(query, want + seg.tombstones).then((scan) => ({ scan, at })));
    }
  }
  const results = await Promise.all(scans);

  const candidates: Array<{ approx: number; at: Captured; row: number }> = [];
  for (const { scan, at } of results) {
    for (let i = 0; i < scan.rows.length; i++) {
      const row = scan.rows[i]!;
      if (at.slots[row] !== TOMBSTONE) candidates.push({ approx: scan.scores[i]!, at, row });
    }
  }
  candidates.sort((a, b) => b.approx - a.approx);
  const top = candidates.length > want ? candidates.slice(0, want) : candidates;
  for (const { at, row } of top) {
    scored.push({ slot: at.slots[row]!, serial: at.serials[row]!, score: codec.dot(q, at.rows, row, dim), rows: at.rows, row });
  }
  return scored;
}
