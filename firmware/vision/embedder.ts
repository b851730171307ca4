// Face embeddings from an `arcface-aligned` model, L2-normalised.
import type { EmbedModelSpec } from '../../models/manifest.js';
import { toInputTensor } from '../../models/tensor.js';
import type { RgbImage } from './image.js';
import { InputBuffer } from './input-buffer.js';
import type { ModelSession } from './runtime.js';

export function l2Normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const inv = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv;
  return out;
}

/** The image mirrored left–right (a new buffer). */
export function mirrorImage(img: RgbImage): RgbImage {
  const { width: w, height: h, data } = img;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const row = y * w * 3;
    for (let x = 0, m = (w - 1) * 3; x < w; x++, m -= 3) {
      const o = row + x * 3;
      out[o] = data[row + m]!;
      out[o + 1] = data[row + m + 1]!;
      out[o + 2] = data[row + m + 2]!;
    }
  }
  return { width: w, height: h, data: out };
}

/** Cosine similarity of two L2-normalised vectors. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new TypeError(`cosine: lengths ${a.length} and ${b.length} differ`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** The L2-normalised mean of L2-normalised embeddings (the enrolment template). */
export function meanEmbedding(list: readonly Float32Array[]): Float32Array {
  if (list.length === 0) throw new TypeError('meanEmbedding: empty list');
  const out = new Float32Array(list[0]!.length);
  for (const v of list) for (let i = 0; i < out.length; i++) out[i]! += v[i]!;
  return l2Normalise(out);
}

export class Embedder {
  private readonly input: InputBuffer;

  constructor(
    private readonly session: ModelSession,
    readonly spec: EmbedModelSpec,
  ) {
    this.input = new InputBuffer(3 * spec.input.width * spec.input.height);
  }

  get size(): number {
    return this.spec.input.width;
  }

  /** The L2-normalised embedding of an aligned face (size × size RGB). */
  async embed(aligned: RgbImage): Promise<Float32Array> {
    const out = await this.input.with(async (buf) => (await this.session.run(toInputTensor({ ...aligned, channels: 3 }, this.spec.input, buf)))[this.spec.output]);
    if (!out || out.length !== this.spec.dims) throw new TypeError(`embed: output ${this.spec.output} is not ${this.spec.dims}-d`);
    return l2Normalise(out);
  }

  /**
   * The L2-normalised mean of the embeddings of the aligned face and of its mirror image
   * (flip test-time augmentation, as in the ArcFace evaluation protocol). It costs a second
   * inference; on small, low-resolution faces it averages out part of the noise the
   * enlargement and compression leave in either view.
   */
  async embedMirrorAveraged(aligned: RgbImage): Promise<Float32Array> {
    const a = await this.embed(aligned);
    const b = await this.embed(mirrorImage(aligned));
    return meanEmbedding([a, b]);
  }
}
