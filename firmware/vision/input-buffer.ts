// A model's reusable input buffer, never shared by two calls in flight: onnxruntime-node
// reads a run's input only when the run starts (a setImmediate later), so a buffer that a
// second call refilled meanwhile would feed the second call's pixels to the first.
export class InputBuffer {
  private idle: Float32Array | undefined;

  constructor(private readonly length: number) {
    this.idle = new Float32Array(length);
  }

  /**
   * Runs `use` with a buffer no other pending call holds: the kept one when it is idle
   * (no allocation on the usual one-at-a-time path), else a fresh one. The buffer is
   * held until `use` settles, so `use` must await the inference it feeds.
   */
  async with<T>(use: (buf: Float32Array) => Promise<T>): Promise<T> {
    const buf = this.idle ?? new Float32Array(this.length);
    this.idle = undefined;
    try {
      return await use(buf);
    } finally {
      this.idle = buf;
    }
  }
}
