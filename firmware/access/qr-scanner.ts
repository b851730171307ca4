/**
 * Watches the camera for QR codes and reports each showing once. A code held in
 * front of the camera is seen on many frames: the same text again within
 * `holdMs` of its last sighting is the same showing, so a visitor pass with one
 * use is not spent by a single wave of the phone. Shown again after `holdMs`
 * without being seen, it counts as a new presentation.
 */
import type { Camera } from '../../hal/camera.js';
import type { Clock } from '../../hal/clock.js';
import type { Unsubscribe } from '../../hal/events.js';
import { readQrFromFrame } from '../security/qr-reader.js';

export interface QrScannerOptions {
  camera: Camera;
  clock: Clock;
  /** Called once per showing with the code's text (e.g. `access.present({type: 'qr', value})`). */
  onCode: (text: string) => void;
  /** Default 3000 ms. */
  holdMs?: number;
  /** Decode one frame in N (default 3): decoding a 640x480 frame costs tens of ms on a Pi. */
  everyNthFrame?: number;
}

export class QrScanner {
  private off: Unsubscribe | null = null;
  private last: { text: string; seenAt: number } | null = null;
  private readonly holdMs: number;
  private readonly nth: number;

  constructor(private readonly o: QrScannerOptions) {
    if (!o?.camera || !o.clock || typeof o.onCode !== 'function') throw new TypeError('QrScanner: camera, clock and onCode are required');
    this.holdMs = o.holdMs ?? 3000;
    this.nth = o.everyNthFrame ?? 3;
    if (!(this.holdMs >= 0) || !(Number.isInteger(this.nth) && this.nth >= 1)) throw new TypeError('QrScanner: holdMs >= 0, everyNthFrame an integer >= 1');
  }

  start(): void {
    if (this.off) return;
    this.off = this.o.camera.onFrame((frame) => {
      if (frame.seq % this.nth !== 0) return;
      const text = readQrFromFrame(frame);
      if (text === null) return;
      const now = this.o.clock.now();
      const same = this.last !== null && this.last.text === text && now - this.last.seenAt < this.holdMs;
      this.last = { text, seenAt: now };
      if (!same) this.o.onCode(text);
    });
  }

  stop(): void {
    this.off?.();
    this.off = null;
    this.last = null;
  }
}
