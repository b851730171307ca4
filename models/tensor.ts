// Builds a model's input tensor from packed 8-bit pixels as its manifest entry says:
// channel order, mean/std normalisation, NCHW layout.
import type { TensorInput } from './manifest.js';

/** Packed pixels: 3 channels are RGB, 1 channel is gray. */
export interface PackedPixels {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

/**
 * Returns the NCHW float data (batch 1) for `input` from an image already at the input's
 * width × height. GRAY from RGB uses BT.601 luma; RGB/BGR from gray repeats the channel.
 * `out` may be passed to reuse a buffer.
 */
export function toInputTensor(px: PackedPixels, input: TensorInput, out?: Float32Array): Float32Array {
  if (px.width !== input.width || px.height !== input.height) {
    throw new TypeError(`toInputTensor: image ${px.width}×${px.height} but input "${input.name}" is ${input.width}×${input.height}`);
  }
  const plane = px.width * px.height;
  const gray = input.colour === 'GRAY';
  const planes = gray ? 1 : 3;
  const data = out && out.length === planes * plane ? out : new Float32Array(planes * plane);
  const mean = (c: number) => input.mean[Math.min(c, input.mean.length - 1)]!;
  const std = (c: number) => input.std[Math.min(c, input.std.length - 1)]!;
  const d = px.data;
  if (gray) {
    const m = mean(0);
    const s = 1 / std(0);
    for (let i = 0; i < plane; i++) {
      const v = px.channels === 1 ? d[i]! : (77 * d[3 * i]! + 150 * d[3 * i + 1]! + 29 * d[3 * i + 2]! + 128) >> 8;
      data[i] = (v - m) * s;
    }
    return data;
  }
  // Output plane p takes source channel order[p].
  const order = input.colour === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  for (let p = 0; p < 3; p++) {
    const m = mean(p);
    const s = 1 / std(p);
    const ch = order[p]!;
    const base = p * plane;
    if (px.channels === 1) for (let i = 0; i < plane; i++) data[base + i] = (d[i]! - m) * s;
    else for (let i = 0; i < plane; i++) data[base + i] = (d[3 * i + ch]! - m) * s;
  }
  return data;
}
