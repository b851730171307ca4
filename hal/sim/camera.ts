import type { Camera, Frame, PixelFormat } from '../camera.js';
import { FpsMeter } from '../camera/fps-meter.js';
import { frameByteLength } from '../camera/formats.js';
import { FrameDispatcher } from '../camera/frame-dispatcher.js';
import type { Clock, TimerHandle } from '../clock.js';
import { closedError } from '../errors.js';
import type { Unsubscribe } from '../events.js';

/** A frame as a source hands it over; the camera adds `timestamp` and `seq`. */
export interface FrameInput {
  width: number;
  height: number;
  format: PixelFormat;
  data: Uint8Array;
}

/** A frame generator the camera polls while running, e.g. a test pattern or a still. */
export interface FrameSource {
  fps: number;
  next(): FrameInput;
}

export interface SimCameraOptions {
  clock: Clock;
  /** When set, the camera pulls frames from it at `fps` while running. */
  source?: FrameSource;
  /** Window for the fps figure. Default 2000 ms. */
  fpsWindowMs?: number;
  /** Receives errors thrown or rejected by frame handlers (they never stop delivery). */
  onHandlerError?: (error: unknown) => void;
  name?: string;
}

/**
 * A simulated camera. Frames come from `pushFrame` (tests, the sim control panel)
 * or from a `source` polled on the clock. Each subscriber gets frames as they
 * arrive; while its handler's promise is pending, newer frames replace the one
 * waiting, so a slow consumer always resumes on the latest frame.
 */
export class SimCamera implements Camera {
  private readonly clock: Clock;
  private readonly source: FrameSource | undefined;
  private readonly meter: FpsMeter;
  private readonly dispatcher: FrameDispatcher;
  private readonly name: string;
  private seq = 0;
  private isRunning = false;
  private closed = false;
  private ticker: TimerHandle | null = null;
  private capturedTotal = 0;

  constructor(options: SimCameraOptions) {
    this.clock = options.clock;
    this.source = options.source;
    this.name = options.name ?? 'sim camera';
    this.meter = new FpsMeter(options.fpsWindowMs ?? 2000);
    this.dispatcher = new FrameDispatcher(options.onHandlerError ?? (() => {}));
    if (this.source && !(this.source.fps > 0)) throw new TypeError(`SimCamera: source.fps must be > 0, got ${this.source.fps}`);
  }

  get running(): boolean {
    return this.isRunning;
  }

  /** Frames captured over the last `fpsWindowMs` (or since start, if shorter), per second. */
  get fps(): number {
    return this.isRunning ? this.meter.rate(this.clock.now()) : 0;
  }

  /** Frames captured since construction (across start/stop), for tests. */
  get captured(): number {
    return this.capturedTotal;
  }

  start(): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this.name));
    if (this.isRunning) return Promise.resolve();
    this.isRunning = true;
    this.seq = 0;
    this.meter.reset(this.clock.now());
    this.dispatcher.resume();
    if (this.source) {
      const source = this.source;
      this.ticker = this.clock.setInterval(() => this.pushFrame(source.next()), 1000 / source.fps);
    }
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.halt();
    return Promise.resolve();
  }

  onFrame(handler: (frame: Frame) => void | Promise<void>): Unsubscribe {
    if (typeof handler !== 'function') throw new TypeError('onFrame takes a function');
    if (this.closed) return () => {};
    return this.dispatcher.subscribe(handler);
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.halt();
      this.closed = true;
      this.dispatcher.clear();
    }
    return Promise.resolve();
  }

  /**
   * Captures one frame: stamps it with the clock and the next seq and hands it to
   * the subscribers. Returns the frame, or null when the camera is not running
   * (the frame is dropped, as a stopped sensor captures nothing).
   * Throws TypeError when the data length does not match size and format.
   */
  pushFrame(input: FrameInput): Frame | null {
    const { width, height, format, data } = input;
    const expected = frameByteLength(width, height, format);
    if (!(data instanceof Uint8Array) || data.length !== expected) {
      throw new TypeError(`${format} ${width}x${height} frame needs ${expected} bytes, got ${data?.length ?? 'none'}`);
    }
    if (!this.isRunning) return null;
    const now = this.clock.now();
    const frame: Frame = { width, height, format, data, timestamp: now, seq: ++this.seq };
    this.meter.record(now);
    this.capturedTotal++;
    this.dispatcher.deliver(frame);
    return frame;
  }

  private halt(): void {
    this.isRunning = false;
    this.ticker?.cancel();
    this.ticker = null;
    this.dispatcher.pause();
  }
}
