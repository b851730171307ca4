import type { Clock, TimerHandle } from '../clock.js';

/** A burst of bits that ended with a quiet gap. */
export interface WiegandBurst {
  bits: number[];
  /** D0 and D1 were seen low together during the burst (crosstalk, a loose wire). */
  noise: boolean;
  /** Clock time of the first bit. */
  timestamp: number;
}

export interface WiegandAssemblerOptions {
  clock: Clock;
  /** Quiet time after the last bit that ends a frame. Default 25 ms (bit periods run 1–20 ms). */
  frameGapMs?: number;
  /** Bits beyond this mark the burst as noise rather than grow without bound. Default 64. */
  maxBits?: number;
  onBurst: (burst: WiegandBurst) => void;
}

/**
 * Collects Wiegand bits into bursts: each bit restarts the inter-bit timer on the
 * HAL clock, and a gap of `frameGapMs` ends the burst. Which bursts are frames is
 * the reader's business (see interpretBurst).
 */
export class WiegandAssembler {
  private readonly clock: Clock;
  private readonly gapMs: number;
  private readonly maxBits: number;
  private readonly onBurst: (burst: WiegandBurst) => void;
  private current: WiegandBurst | null = null;
  private timer: TimerHandle | null = null;
  private closed = false;

  constructor(options: WiegandAssemblerOptions) {
    this.clock = options.clock;
    this.gapMs = options.frameGapMs ?? 25;
    this.maxBits = options.maxBits ?? 64;
    this.onBurst = options.onBurst;
    if (!(this.gapMs > 0)) throw new TypeError(`WiegandAssembler: frameGapMs must be > 0, got ${this.gapMs}`);
  }

  /** One bit: a pulse on D0 (0) or on D1 (1). */
  bit(value: 0 | 1): void {
    if (this.closed) return;
    const burst = this.burst();
    if (burst.bits.length < this.maxBits) burst.bits.push(value);
    else burst.noise = true;
    this.restartGap();
  }

  /** Marks the burst in progress (or a new one) as corrupted. */
  noise(): void {
    if (this.closed) return;
    this.burst().noise = true;
    this.restartGap();
  }

  /** Drops the burst in progress; nothing more is reported. */
  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    this.current = null;
  }

  private burst(): WiegandBurst {
    this.current ??= { bits: [], noise: false, timestamp: this.clock.now() };
    return this.current;
  }

  private restartGap(): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      const done = this.current;
      this.current = null;
      if (done) this.onBurst(done);
    }, this.gapMs);
  }
}
