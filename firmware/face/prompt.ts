// What the display asks of the person at the camera.
import type { FrameResult, QualityReason } from '../vision/index.js';

/** A request to the person at the camera: the quality reason code and its English message. */
export interface FacePrompt {
  reason: QualityReason;
  message: string;
}

/**
 * What the display should ask of the person in front of the camera after this frame:
 * the quality message of the largest face that was analysed and failed the gate,
 * or null when no face needs a prompt (nobody there, or the face is usable).
 */
export function promptFor(result: Pick<FrameResult, 'tracks'>): FacePrompt | null {
  let best: { area: number; prompt: FacePrompt } | null = null;
  for (const t of result.tracks) {
    if (!t.analysed || t.quality.ok || !t.quality.message || !t.quality.reason || t.goodFrames > 0) continue;
    const area = (t.box.x2 - t.box.x1) * (t.box.y2 - t.box.y1);
    if (!best || area > best.area) best = { area, prompt: { reason: t.quality.reason, message: t.quality.message } };
  }
  return best?.prompt ?? null;
}
