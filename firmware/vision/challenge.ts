// An active liveness challenge for the uncertain band: the person is asked to blink or to
// turn their head to one side, picked at random, and the 68 landmarks must show it before
// a timeout. A still photo cannot pass: its landmarks do not move. The pipeline asks for
// one when a track's fused passive score lands in the uncertain band (ChallengeRules).
import { landmarks68To5 } from './align.js';
import { poseFromPoints } from './quality.js';

export type ChallengeKind = 'blink' | 'turn_left' | 'turn_right';
export const CHALLENGE_KINDS: readonly ChallengeKind[] = ['blink', 'turn_left', 'turn_right'];

export interface ChallengeOptions {
  /** Which challenges may be drawn (a level can allow fewer). */
  kinds?: readonly ChallengeKind[];
  /** ms of frame time to show the movement. Default 4000. */
  timeoutMs?: number;
  /** Random source in [0, 1) (injected for tests). */
  random?: () => number;
}

/** Eye aspect ratio (Soukupová & Čech) of one eye from its 6 landmarks; ≈ 0.3 open, < 0.2 closed. */
function eyeAspect(l: Float32Array, first: number): number {
  const p = (i: number) => [l[2 * (first + i)]!, l[2 * (first + i) + 1]!] as const;
  const d = (a: readonly number[], b: readonly number[]) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!);
  return (d(p(1), p(5)) + d(p(2), p(4))) / (2 * Math.max(1e-6, d(p(0), p(3))));
}

/** Mean eye aspect ratio of both eyes (landmarks 36–41 and 42–47). */
export function eyeAspectRatio(landmarks: Float32Array): number {
  return (eyeAspect(landmarks, 36) + eyeAspect(landmarks, 42)) / 2;
}

export type ChallengeState = 'pending' | 'passed' | 'failed';

/** The display's prompt code for a challenge (DisplayState.reason), translated by the kiosk. */
export type ChallengePromptCode = `challenge_${ChallengeKind}`;
export const challengePromptCode = (kind: ChallengeKind): ChallengePromptCode => `challenge_${kind}`;

/** English prompts, for displays that show the title as sent. */
export const CHALLENGE_MESSAGES: Readonly<Record<ChallengeKind, string>> = {
  blink: 'blink',
  turn_left: 'turn your head to your left',
  turn_right: 'turn your head to your right',
};

/** When the pipeline asks for a challenge, and how. */
export interface ChallengeRules {
  /**
   * Fused live probabilities in [lo, hi) are uncertain: the track is challenged instead of
   * decided. Default: from the liveness floor (0.05) to the live threshold in force, so the
   * challenge rescues faces the passive check would reject, and no score an attack was seen
   * to reach is ever offered one.
   */
  band?: readonly [number, number];
  timeoutMs: number;
  kinds?: readonly ChallengeKind[];
  /** Random source in [0, 1) (injected for tests). */
  random?: () => number;
}

export class LivenessChallenge {
  readonly kind: ChallengeKind;
  private readonly timeoutMs: number;
  private started?: number;
  private openEar = 0;
  private closedSeen = false;
  private baseYaw?: number;
  private state: ChallengeState = 'pending';

  constructor(options: ChallengeOptions = {}) {
    const kinds = options.kinds ?? CHALLENGE_KINDS;
    if (kinds.length === 0) throw new TypeError('LivenessChallenge: no challenge kinds allowed');
    this.kind = kinds[Math.floor((options.random ?? Math.random)() * kinds.length)]!;
    this.timeoutMs = options.timeoutMs ?? 4000;
  }

  get result(): ChallengeState {
    return this.state;
  }

  /** Feeds one frame's 68 landmarks (image pixels) taken at `timestamp` ms. */
  observe(landmarks: Float32Array, timestamp: number): ChallengeState {
    if (this.state !== 'pending') return this.state;
    this.started ??= timestamp;
    if (timestamp - this.started > this.timeoutMs) return (this.state = 'failed');
    if (this.kind === 'blink') {
      const ear = eyeAspectRatio(landmarks);
      this.openEar = Math.max(this.openEar, ear);
      // Closed: well under the open eyes seen; then open again.
      if (this.openEar > 0 && ear < 0.6 * this.openEar) this.closedSeen = true;
      else if (this.closedSeen && ear > 0.85 * this.openEar) this.state = 'passed';
      return this.state;
    }
    const yaw = poseFromPoints(landmarks68To5(landmarks)).yaw;
    this.baseYaw ??= yaw;
    // Image coordinates: the person's left is the image's right for a camera facing them.
    const turn = this.kind === 'turn_left' ? yaw - this.baseYaw : this.baseYaw - yaw;
    if (turn > 0.25) this.state = 'passed';
    return this.state;
  }
}
