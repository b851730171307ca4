import * as ort from 'onnxruntime-node';
import { encodeOnnxModel, OnnxType } from './onnx-proto.js';
import { QUERY_ZERO_POINT, quantiseTransposed, rowsScale, type QuantisedQuery } from './quantize.js';
import type { Rows } from './row-codec.js';

/** The name the int8 gallery goes by between the model and its in-memory external data. */
const GALLERY_DATA = 'gallery.int8';

export interface SegmentIndexOptions {
  /** Intra-op threads for each scan. Default 1: the scan is memory-bound, and the cores are shared with the vision models. */
  threads?: number;
  /**
   * A buffer to quantise into when it holds `count × dim` bytes, so a run of
   * builds reuses one instead of leaving a new one per segment to the garbage
   * collector. onnxruntime copies external data while it creates the session,
   * so the buffer is free again once `build` resolves.
   */
  scratch?: Uint8Array;
}

export interface SegmentScan {
  /** Approximate cosine per candidate (integer score divided by both scales), best first. */
  scores: Float32Array;
  /** Row of each candidate within the indexed rows. */
  rows: Int32Array;
}

/**
 * One immutable block of gallery rows scanned by a small ONNX graph:
 * MatMulInteger(uint8 query [1, dim] − 128, int8 gallery [dim, n]) → int32 [1, n],
 * then TopK. The gallery is a graph initializer, so onnxruntime pre-packs it
 * once for its u8×s8 GEMM kernel; feeding it as an input instead costs a
 * re-pack per query (measured 5.9 ms against 1.3 ms at 100k × 512).
 *
 * Memory: the rows are quantised already transposed (a Transpose node folded at
 * load was a little faster, but its copies stayed behind as glibc heap), and
 * handed to onnxruntime as in-memory external data rather than inside the model
 * bytes, which saves onnxruntime a parse copy. At 100k × 512, 7 segments: ~66 MB
 * resident for 59 MB of int8 weights, against ~150 MB with the gallery inside a
 * model that transposes it (measured; the difference is freed heap glibc keeps).
 */
export class SegmentIndex {
  private active = 0;
  private releasing: Promise<void> | null = null;
  private settleRelease: (() => void) | null = null;

  private constructor(
    private readonly session: ort.InferenceSession,
    /** Rows covered, in the order they had when the index was built. */
    readonly count: number,
    readonly dim: number,
    private readonly scale: number,
  ) {}

  /** Quantises rows `0..count-1` of `rows` (row-major, `dim` columns) and builds their scan session. */
  static async build(rows: Rows, count: number, dim: number, options: SegmentIndexOptions = {}): Promise<SegmentIndex> {
    if (!(count > 0)) throw new TypeError(`SegmentIndex.build: count must be > 0, got ${count}`);
    const threads = options.threads ?? 1;
    const scale = rowsScale(rows, count * dim);
    const bytes = count * dim;
    const gallery = options.scratch && options.scratch.length >= bytes ? options.scratch.subarray(0, bytes) : new Uint8Array(bytes);
    quantiseTransposed(rows, count, dim, scale, gallery);
    const model = encodeOnnxModel(
      {
        name: 'limen-gallery-scan',
        nodes: [
          { opType: 'MatMulInteger', inputs: ['query', 'gallery', 'query_zero_point'], outputs: ['scores'] },
          { opType: 'TopK', inputs: ['scores', 'k'], outputs: ['top_scores', 'top_rows'], attributes: [{ name: 'axis', kind: 'int', value: -1 }] },
        ],
        inputs: [
          { name: 'query', type: OnnxType.UINT8, shape: [1, dim] },
          { name: 'k', type: OnnxType.INT64, shape: [1] },
        ],
        outputs: [
          { name: 'top_scores', type: OnnxType.INT32, shape: [1, 'k'] },
          { name: 'top_rows', type: OnnxType.INT64, shape: [1, 'k'] },
        ],
        initializers: [
          { name: 'gallery', type: OnnxType.INT8, dims: [dim, count], external: { location: GALLERY_DATA, byteLength: gallery.length } },
          { name: 'query_zero_point', type: OnnxType.UINT8, dims: [], raw: Uint8Array.of(QUERY_ZERO_POINT) },
        ],
      },
      { opset: 17 },
    );
    const session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      externalData: [{ path: GALLERY_DATA, data: gallery }],
      // Spinning worker threads steal the second core from the vision models.
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
    return new SegmentIndex(session, count, dim, scale);
  }

  /** The `k` best rows (k is clamped to the rows covered). */
  async scan(query: QuantisedQuery, k: number): Promise<SegmentScan> {
    if (this.releasing) throw new Error('SegmentIndex.scan after release');
    const take = Math.max(1, Math.min(this.count, Math.floor(k)));
    this.active++;
    let out: ort.InferenceSession.ReturnType;
    try {
      out = await this.session.run({
        query: new ort.Tensor('uint8', query.data, [1, this.dim]),
        k: new ort.Tensor('int64', BigInt64Array.of(BigInt(take)), [1]),
      });
    } finally {
      this.active--;
      if (this.active === 0) this.settleRelease?.();
    }
    const values = out.top_scores!.data as Int32Array;
    const indices = out.top_rows!.data as BigInt64Array;
    const inv = 1 / (this.scale * query.scale);
    const scores = new Float32Array(values.length);
    const rows = new Int32Array(indices.length);
    for (let i = 0; i < values.length; i++) {
      scores[i] = values[i]! * inv;
      rows[i] = Number(indices[i]!);
    }
    return { scores, rows };
  }

  /**
   * Frees the session once the scans already started have finished (a search may
   * still hold this index while the matcher swaps in a rebuilt one). Idempotent.
   */
  release(): Promise<void> {
    if (!this.releasing) {
      const idle =
        this.active === 0
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              this.settleRelease = resolve;
            });
      this.releasing = idle.then(() => this.session.release());
    }
    return this.releasing;
  }
}
