import type { PixelFormat } from './camera/formats.js';
import type { Unsubscribe } from './events.js';

/** The formats and their conversions are defined in camera/formats.ts. */
export type { PixelFormat };

export interface Frame {
  width: number;
  height: number;
  format: PixelFormat;
  /** Capture time, ms since the Unix epoch, from the HAL clock. */
  timestamp: number;
  /** Frame counter since start(), starting at 1. Gaps mean frames were dropped. */
  seq: number;
  data: Uint8Array;
  /**
   * How YUV formats encode colour: 'bt601' (the default when absent) or 'bt709', which
   * rpicam-vid switches to from 1280×720 up. Both limited range. Ignored for RGB formats.
   */
  yuvMatrix?: YuvMatrix;
}

export type YuvMatrix = 'bt601' | 'bt709';

/**
 * A camera delivering frames.
 *
 * Contract:
 * - `start()` resolves once the source is running; calling it while running is a no-op.
 * - `stop()` stops delivery; `start()` may be called again afterwards.
 * - `onFrame` handlers run for delivered frames. If a handler is still busy (its
 *   promise unresolved) when new frames arrive, only the latest waiting frame is
 *   kept and the older ones are dropped: the latest frame wins. Each handler is
 *   paced on its own: a slow one does not hold back the others.
 * - A handler that throws or rejects counts as finished; delivery goes on.
 * - `stop()` drops frames still waiting for a busy handler; after `start()` again,
 *   `seq` counts from 1.
 * - `close()` stops the source and releases it; after close, `start()` rejects with
 *   HalError DEVICE_CLOSED, `stop()` and `close()` resolve and do nothing, and no
 *   handler is called again.
 */
export interface Camera {
  start(): Promise<void>;
  stop(): Promise<void>;
  onFrame(handler: (frame: Frame) => void | Promise<void>): Unsubscribe;
  /** Frames captured per second over the last few seconds (0 when stopped). */
  readonly fps: number;
  readonly running: boolean;
  close(): Promise<void>;
}
