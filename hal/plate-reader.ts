/**
 * A licence-plate reader: a camera that recognises plates itself and pushes each
 * recognition to the controller. Drivers: ISAPI ANPR push, generic JSON webhook, sim.
 */

/** Plate background colours as cameras report them (Chinese plates: blue, yellow, green, …). */
export const PLATE_COLOURS = ['blue', 'yellow', 'green', 'white', 'black', 'yellow-green', 'other'] as const;
export type PlateColour = (typeof PLATE_COLOURS)[number];

/** Which way the vehicle was going, as the camera reports it. */
export type PlateDirection = 'in' | 'out' | 'unknown';

/** One plate recognition. */
export interface PlateRead {
  /** The plate as the camera sent it, trimmed (normalise with sdk normalisePlate). */
  plate: string;
  colour?: PlateColour;
  vehicleType?: string;
  direction?: PlateDirection;
  /** Recognition confidence, 0..1. */
  confidence?: number;
  cameraId: string;
  /** Milliseconds since the epoch, terminal clock. */
  at: number;
  /** JPEG snapshot, when the camera sent one. */
  snapshot?: Buffer;
}

/**
 * Contract: `plate` fires once per accepted recognition; `start()` begins listening
 * (for push drivers: the HTTP server is bound); `stop()` releases it, after which no
 * listener is called and `stop()` again does nothing.
 */
export interface PlateReader {
  on(event: 'plate', listener: (read: PlateRead) => void): this;
  off(event: 'plate', listener: (read: PlateRead) => void): this;
  start(): Promise<void>;
  stop(): Promise<void>;
}
