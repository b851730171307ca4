// 68-point landmarks from a `box-relative-68` model.
import type { LandmarkModelSpec } from '../../models/manifest.js';
import { toInputTensor } from '../../models/tensor.js';
import type { Box } from './box.js';
import type { RgbImage } from './image.js';
import { InputBuffer } from './input-buffer.js';
import { resizeRegion, type Rect } from './resample.js';
import type { ModelSession } from './runtime.js';

/** The crop the landmark model sees: the box scaled about its centre. */
export function landmarkCrop(box: Box, cropScale: number): Rect {
  const w = (box.x2 - box.x1) * cropScale;
  const h = (box.y2 - box.y1) * cropScale;
  const cx = (box.x1 + box.x2) / 2;
  const cy = (box.y1 + box.y2) / 2;
  return { x: cx - w / 2, y: cy - h / 2, width: w, height: h };
}

export class Landmarker {
  private readonly input: InputBuffer;

  constructor(
    private readonly session: ModelSession,
    readonly spec: LandmarkModelSpec,
  ) {
    this.input = new InputBuffer(spec.input.width * spec.input.height * (spec.input.colour === 'GRAY' ? 1 : 3));
  }

  /** 68 points as x0, y0, x1, y1, … in image pixels. */
  async landmarks(img: RgbImage, box: Box): Promise<Float32Array> {
    const { width: iw, height: ih } = this.spec.input;
    const crop = landmarkCrop(box, this.spec.cropScale);
    const px = resizeRegion(img, 3, crop, iw, ih);
    const out = await this.input.with(async (buf) => (await this.session.run(toInputTensor({ width: iw, height: ih, channels: 3, data: px }, this.spec.input, buf)))[this.spec.output]);
    if (!out || out.length < 136) throw new TypeError(`landmarks: output ${this.spec.output} missing or short`);
    const pts = new Float32Array(136);
    for (let i = 0; i < 68; i++) {
      pts[2 * i] = crop.x + out[2 * i]! * crop.width;
      pts[2 * i + 1] = crop.y + out[2 * i + 1]! * crop.height;
    }
    return pts;
  }
}
