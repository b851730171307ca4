import type { Clock } from '../clock.js';
import { PlateReaderBase } from '../plate/base.js';
import type { PlateRead } from '../plate-reader.js';

export interface SimPlateReaderOptions {
  clock: Clock;
  /** The camera id its reads carry. Default 'sim-lpr'. */
  cameraId?: string;
}

/** What a test or the control panel shows the sim camera; the camera adds its id and the time. */
export type SimPlate = Omit<PlateRead, 'cameraId' | 'at'>;

/**
 * A simulated plate camera: `present` delivers a recognition as a push driver would
 * once it has parsed a camera's event. Reads are delivered only between `start()`
 * and `stop()` (as a push receiver only hears cameras while it listens).
 */
export class SimPlateReader extends PlateReaderBase {
  /** Every read delivered while started. */
  readonly history: PlateRead[] = [];
  private readonly clock: Clock;
  readonly cameraId: string;
  private started = false;

  constructor(options: SimPlateReaderOptions) {
    super();
    this.clock = options.clock;
    this.cameraId = options.cameraId ?? 'sim-lpr';
  }

  start(): Promise<void> {
    if (!this.stopped) this.started = true;
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.started = false;
    this.clearListeners();
    return Promise.resolve();
  }

  /** Delivers one recognition (the plate trimmed, as drivers do); null when not listening. */
  present(plate: SimPlate): PlateRead | null {
    if (!this.started) return null;
    const read: PlateRead = { ...plate, plate: plate.plate.trim(), cameraId: this.cameraId, at: this.clock.now() };
    this.history.push(read);
    this.emit(read);
    return read;
  }
}
