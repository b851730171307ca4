// What the display asks of the person at the camera.
import { CHALLENGE_MESSAGES, challengePromptCode, type ChallengePromptCode } from '../vision/challenge.js';
import type { FrameResult, QualityReason } from '../vision/index.js';

/** A request to the person at the camera: a code (quality reason or challenge) and its English message. */
export interface FacePrompt {
  reason: QualityReason | ChallengePromptCode;
  message: string;
}

const area = (t: FrameResult['tracks'][number]) => (t.box.x2 - t.box.x1) * (t.box.y2 - t.box.y1);

/**
 * What the display should ask of the person in front of the camera after this frame: a
 * running liveness challenge first ("blink"), else the quality message of the largest face
 * that was analysed and failed the gate, or null when no face needs a prompt (nobody there,
 * or the face is usable).
 */
export function promptFor(result: Pick<FrameResult, 'tracks'>): FacePrompt | null {
  let challenge: { area: number; prompt: FacePrompt } | null = null;
  let best: { area: number; prompt: FacePrompt } | null = null;
  for (const t of result.tracks) {
    if (t.challenge?.state === 'pending') {
      const kind = t.challenge.kind;
      if (!challenge || area(t) > challenge.area) challenge = { area: area(t), prompt: { reason: challengePromptCode(kind), message: CHALLENGE_MESSAGES[kind] } };
      continue;
    }
    if (!t.analysed || t.quality.ok || !t.quality.message || !t.quality.reason || t.goodFrames > 0) continue;
    if (!best || area(t) > best.area) best = { area: area(t), prompt: { reason: t.quality.reason, message: t.quality.message } };
  }
  return challenge?.prompt ?? best?.prompt ?? null;
}
