/**
 * Cuts a raw video byte stream into frames of a fixed size. Chunks from a pipe
 * rarely line up with frames: a frame may span many chunks, and a chunk may end
 * one frame and start the next. Each frame gets its own buffer, so a handler
 * may keep it while the next one fills.
 */
export class FrameSlicer {
  private current: Uint8Array | null = null;
  private filled = 0;

  constructor(readonly frameBytes: number) {
    if (!(Number.isInteger(frameBytes) && frameBytes > 0)) throw new TypeError(`FrameSlicer: frameBytes must be a positive integer, got ${frameBytes}`);
  }

  /** Bytes of the frame being assembled. */
  get partialBytes(): number {
    return this.filled;
  }

  /** Consumes a chunk, calling `onFrame` for every frame it completes. */
  push(chunk: Uint8Array, onFrame: (data: Uint8Array) => void): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.current) {
        this.current = new Uint8Array(this.frameBytes);
        this.filled = 0;
      }
      const take = Math.min(this.frameBytes - this.filled, chunk.length - offset);
      this.current.set(chunk.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.frameBytes) {
        const frame = this.current;
        this.current = null;
        this.filled = 0;
        onFrame(frame);
      }
    }
  }

  /** Drops a partly assembled frame (the stream restarted, so its rest will never come). */
  reset(): void {
    this.current = null;
    this.filled = 0;
  }
}
