// How the recogniser's output becomes what the access core and the display expect.
import type { PresentedCredential } from '../access/index.js';
import type { FaceDecision, FrameResult, QualityReason } from '../vision/index.js';

type FaceCredential = Extract<PresentedCredential, { type: 'face' }>;

/**
 * The face credential the access core decides on, or null when the track ended
 * without one usable frame (the face was never good enough to identify: that is
 * no access attempt, and it is not logged as one).
 *
 * - a match: `personId`, score and fused liveness;
 * - a stranger: `personId` null;
 * - a liveness failure: `spoofSuspected`, with the person the face matched (if any) so
 *   the event names whose face was presented; the access core never grants on it.
 */
export function faceCredential(d: FaceDecision): FaceCredential | null {
  if (d.qualityReason !== undefined && d.frames === 0) return null;
  const score = Number.isFinite(d.score) ? d.score : 0;
  const liveness = d.liveness !== null && Number.isFinite(d.liveness) ? d.liveness : null;
  if (d.spoofSuspected) return { type: 'face', personId: d.claimedPersonId ?? null, score, liveness, spoofSuspected: true };
  return { type: 'face', personId: d.personId, score, liveness, spoofSuspected: false };
}

/**
 * What the display should ask of the person in front of the camera after this frame:
 * the quality message of the largest face that was analysed and failed the gate,
 * or null when no face needs a prompt (nobody there, or the face is usable).
 */
export function promptFor(result: FrameResult): FacePrompt | null {
  let best: { area: number; prompt: FacePrompt } | null = null;
  for (const t of result.tracks) {
    if (!t.analysed || t.quality.ok || !t.quality.message || !t.quality.reason || t.goodFrames > 0) continue;
    const area = (t.box.x2 - t.box.x1) * (t.box.y2 - t.box.y1);
    if (!best || area > best.area) best = { area, prompt: { reason: t.quality.reason, message: t.quality.message } };
  }
  return best?.prompt ?? null;
}

/** A request to the person at the camera: the quality reason code and its English message. */
export interface FacePrompt {
  reason: QualityReason;
  message: string;
}
