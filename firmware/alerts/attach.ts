// Wires the tailgating detector to a terminal's event log and face service.
import type { Unsubscribe } from '../../hal/events.js';
import type { FaceService } from '../face/index.js';
import { TailgatingDetector, type TailgatingOptions } from './tailgating.js';

/** Starts tailgating detection on `face`'s tracks; the returned function stops it. */
export function attachTailgating(face: FaceService, options: TailgatingOptions): Unsubscribe {
  // The same person's face again in one window: as alike as the gallery's identify threshold asks.
  const detector = new TailgatingDetector({ sameFaceThreshold: () => face.status.thresholds?.identify ?? null, ...options });
  const offs = [
    options.store.events.onAppend((event) => detector.onEvent(event)),
    face.onDecision((r) => {
      if (r.outcome?.decision.result === 'granted') detector.granted(r.decision.trackId);
    }),
    face.onFrame((r) => detector.observe(r.frame, r.result.frame)),
  ];
  return () => {
    for (const off of offs) off();
    detector.stop();
  };
}
