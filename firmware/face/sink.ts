// Where face decisions go: the terminal's access core, door and display.
import type { AccessDecision } from '../access/index.js';
import type { StoredEvent } from '../store/index.js';
import type { faceCredential } from './decision.js';
import type { FacePrompt } from './prompt.js';

export type FaceCredential = NonNullable<ReturnType<typeof faceCredential>>;

/** What the access core made of a face credential. */
export interface FaceOutcome {
  decision: AccessDecision;
  event: StoredEvent;
}

/** Where face decisions go: the terminal (access core, door, display). */
export interface FaceSink {
  /** Decides a face credential, logs one event, opens the door on a grant, shows the outcome. */
  present(credential: FaceCredential): Promise<FaceOutcome>;
  /** Asks the person for something ("come closer"), or withdraws the request (null). */
  prompt(prompt: FacePrompt | null): void;
}
