// How a face decision becomes the credential the access core decides on.
import type { PresentedCredential } from '../access/index.js';
import type { FaceDecision } from '../vision/index.js';

type FaceCredential = Extract<PresentedCredential, { type: 'face' }>;

/**
 * The face credential the access core decides on, or null when the track ended
 * without one usable frame (the face was never good enough to identify) or before its
 * evidence was ready (the person has left): neither is an access attempt, nor logged as one.
 *
 * - a match: `personId`, score and fused liveness;
 * - a stranger: `personId` null;
 * - a liveness failure: `spoofSuspected`, with the person the face matched (if any) so
 *   the event names whose face was presented; the access core never grants on it.
 */
export function faceCredential(d: FaceDecision): FaceCredential | null {
  if ((d.qualityReason !== undefined && d.frames === 0) || d.departed) return null;
  const score = Number.isFinite(d.score) ? d.score : 0;
  const liveness = d.liveness !== null && Number.isFinite(d.liveness) ? d.liveness : null;
  if (d.spoofSuspected) return { type: 'face', personId: d.claimedPersonId ?? null, score, liveness, spoofSuspected: true };
  return { type: 'face', personId: d.personId, score, liveness, spoofSuspected: false };
}
