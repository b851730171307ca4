// Camera frames in, one pipeline run at a time, results out.
import { performance } from 'node:perf_hooks';
import type { Camera, Frame } from '../../hal/camera.js';
import type { Listeners, Unsubscribe } from '../../hal/events.js';
import type { Logger } from '../log.js';
import type { FacePipeline, FrameResult } from '../vision/index.js';
import type { FaceStats } from './reports.js';

/** Logs the first failure of a kind, then every hundredth, so a broken camera cannot flood the log. */
const LOG_EVERY = 100;

export interface FrameIntakeOptions {
  pipeline: FacePipeline;
  stats: FaceStats;
  /** Every frame the camera delivers, before it is analysed. */
  rawFrames: Listeners<Frame>;
  /** Whether frames are still wanted (the service is running). */
  active: () => boolean;
  /** Handles an analysed frame that arrived at `arrived` (performance.now()). */
  analysed: (frame: Frame, result: FrameResult, arrived: number) => Promise<void>;
  log: Logger;
}

export class FrameIntake {
  private unsubscribe: Unsubscribe | null = null;
  private inflight: Promise<void> | null = null;
  private irUnsubscribe: Unsubscribe | null = null;
  private latestIr: Frame | undefined;

  constructor(private readonly o: FrameIntakeOptions) {}

  /**
   * Takes the colour camera's frames; with `irCamera` (the board's irCamera role) each one
   * is analysed with the IR camera's latest frame (the pipeline checks their times agree).
   */
  attach(camera: Camera, irCamera?: Camera): void {
    this.unsubscribe = camera.onFrame((frame) => this.receive(frame));
    if (irCamera) this.irUnsubscribe = irCamera.onFrame((frame) => void (this.latestIr = frame));
  }

  /** Stops taking frames and waits for the one in progress. */
  async detach(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.irUnsubscribe?.();
    this.irUnsubscribe = null;
    this.latestIr = undefined;
    await this.inflight;
  }

  private receive(frame: Frame): Promise<void> {
    this.o.rawFrames.emit(frame);
    // The camera paces this handler: while it runs, newer frames replace the waiting one.
    const run = this.analyse(frame);
    this.inflight = run;
    return run;
  }

  private async analyse(frame: Frame): Promise<void> {
    if (!this.o.active()) return;
    const { stats } = this.o;
    const arrived = performance.now();
    let result: FrameResult;
    try {
      result = await this.o.pipeline.processFrame(frame, this.latestIr);
    } catch (err) {
      if (stats.errors++ % LOG_EVERY === 0) this.o.log.warn({ err, errors: stats.errors }, 'frame could not be analysed');
      return;
    }
    stats.frames++;
    stats.lastFrameMs = result.timings.total;
    await this.o.analysed(frame, result, arrived);
  }
}
