// Face detection with an `ultraface-decoded` model: letterbox, run, threshold, our NMS.
import type { DetectModelSpec } from '../../models/manifest.js';
import { toInputTensor } from '../../models/tensor.js';
import { nms, type ScoredBox } from './box.js';
import type { RgbImage } from './image.js';
import { InputBuffer } from './input-buffer.js';
import { cropResizeNative } from './native-resize.js';
import type { ModelSession } from './runtime.js';

export interface DetectOptions {
  /** Minimum face probability; default the manifest's `scoreThreshold`. */
  minScore?: number;
  /** Keep at most this many faces, best first. */
  maxFaces?: number;
}

/** A shrunk copy of an image: `img` is the source scaled by `sx` × `sy`. */
export interface ReducedImage {
  img: RgbImage;
  sx: number;
  sy: number;
}

export class FaceDetector {
  private readonly canvas: Uint8Array;
  private readonly input: InputBuffer;
  /** The shrunk copy made for each image detected on, kept while the image lives. */
  private readonly reduced = new WeakMap<RgbImage, ReducedImage>();

  constructor(
    private readonly session: ModelSession,
    readonly spec: DetectModelSpec,
  ) {
    const { width, height } = spec.input;
    this.canvas = new Uint8Array(width * height * 3);
    this.input = new InputBuffer(3 * width * height);
  }

  /**
   * The anti-aliased shrunk copy of `img` made as the detector's input, if `img` was
   * detected on and is larger than that input: liveness crops come from it for free.
   */
  reducedCopy(img: RgbImage): ReducedImage | undefined {
    return this.reduced.get(img);
  }

  /**
   * Faces in `img`, best first, in image pixels (boxes may extend past the edges). The image is letterboxed (aspect kept,
   * padded with the normalisation mean so padding reads as zero) into the model input.
   */
  async detect(img: RgbImage, options: DetectOptions = {}): Promise<ScoredBox[]> {
    const { width: iw, height: ih } = this.spec.input;
    const scale = Math.min(iw / img.width, ih / img.height);
    const rw = Math.max(1, Math.min(iw, Math.round(img.width * scale)));
    const rh = Math.max(1, Math.min(ih, Math.round(img.height * scale)));
    const resized = (await cropResizeNative(img, { x: 0, y: 0, width: img.width, height: img.height }, rw, rh)).data;
    if (rw < img.width) this.reduced.set(img, { img: { width: rw, height: rh, data: resized }, sx: rw / img.width, sy: rh / img.height });
    const pad = this.spec.input.mean.map((m) => Math.round(m));
    // The canvas is filled and read without an await in between: one is enough.
    const canvas = this.canvas;
    for (let i = 0; i < canvas.length; i += 3) {
      canvas[i] = pad[0] ?? 0;
      canvas[i + 1] = pad[1] ?? pad[0] ?? 0;
      canvas[i + 2] = pad[2] ?? pad[0] ?? 0;
    }
    for (let y = 0; y < rh; y++) canvas.set(resized.subarray(y * rw * 3, (y + 1) * rw * 3), y * iw * 3);
    const out = await this.input.with((buf) => this.session.run(toInputTensor({ width: iw, height: ih, channels: 3, data: canvas }, this.spec.input, buf)));
    const scores = out[this.spec.outputs.scores];
    const boxes = out[this.spec.outputs.boxes];
    if (!scores || !boxes) throw new TypeError(`detector: outputs ${this.spec.outputs.scores}/${this.spec.outputs.boxes} missing`);
    const minScore = options.minScore ?? this.spec.scoreThreshold;
    // Boxes are fractions of the letterboxed input: back to image pixels.
    const sx = iw / scale;
    const sy = ih / scale;
    const candidates: ScoredBox[] = [];
    const n = scores.length / 2;
    for (let i = 0; i < n; i++) {
      const s = scores[2 * i + 1]!;
      if (s < minScore) continue;
      // Not clipped: a box running past the edge tells the quality gate the face is cut off.
      const b = { x1: boxes[4 * i]! * sx, y1: boxes[4 * i + 1]! * sy, x2: boxes[4 * i + 2]! * sx, y2: boxes[4 * i + 3]! * sy, score: s };
      if (b.x2 - b.x1 >= 2 && b.y2 - b.y1 >= 2 && b.x2 > 0 && b.y2 > 0 && b.x1 < img.width && b.y1 < img.height) candidates.push(b);
    }
    return nms(candidates, this.spec.nmsIou, options.maxFaces ?? 50);
  }
}
