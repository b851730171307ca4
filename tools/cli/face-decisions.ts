// The face decisions of a sim terminal as one human line each, so that someone playing
// photos into its camera (`limen sim --play`) sees what the terminal made of every face.
import type { FaceDecisionReport, FaceService } from '../../firmware/face/index.js';
import { describeReason } from '../../firmware/access/reason-text.js';
import { QUALITY_MESSAGES } from '../../firmware/vision/quality.js';
import type { Unsubscribe } from '../../hal/events.js';

export interface FaceDecisionLineOptions {
  /** Printed first, for a simulation with several terminals. */
  terminalId?: string;
  /** A person's display name, when known. */
  personName?: (personId: string) => string | undefined;
}

/** Control characters and bidi overrides would rewrite the console line: shown as "?". */
const printable = (text: string) => text.replace(/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, '?');

/**
 * One line for one decision: local time, who (person, stranger, spoof), gallery score,
 * liveness, and what the access core did; or why a face was never usable.
 */
export function faceDecisionLine(report: FaceDecisionReport, options: FaceDecisionLineOptions = {}): string {
  const { decision, credential, outcome } = report;
  const time = new Date(decision.timestamp).toTimeString().slice(0, 8);
  const head = [options.terminalId, time].filter((part) => part !== undefined).join(' ');
  if (!credential && decision.departed) return `${head}  face left before a decision (${decision.frames} good frame${decision.frames === 1 ? '' : 's'}): no access attempt`;
  if (!credential) {
    const why = decision.qualityReason ? QUALITY_MESSAGES[decision.qualityReason] : 'no usable frame';
    return `${head}  face not usable (${why}): no access attempt`;
  }
  const named = (id: string) => {
    const name = options.personName?.(id);
    return printable(name && name !== id ? `${id} (${name})` : id);
  };
  const who = credential.spoofSuspected
    ? `spoof suspected${credential.personId ? ` (looks like ${named(credential.personId)})` : ''}`
    : credential.personId
      ? `person ${named(credential.personId)}`
      : 'stranger';
  const liveness = credential.liveness === null ? 'off' : credential.liveness.toFixed(2);
  const result = outcome
    ? outcome.decision.result === 'granted'
      ? 'granted'
      : `denied: ${describeReason(outcome.decision.reason)}`
    : 'not decided (see the log)';
  return `${head}  ${who}  score ${credential.score.toFixed(2)}  liveness ${liveness}  -> ${result}`;
}

/** Prints every face decision of `face` through `out` until unsubscribed. */
export function printFaceDecisions(face: FaceService, out: (line: string) => void, options: FaceDecisionLineOptions = {}): Unsubscribe {
  return face.onDecision((report) => out(faceDecisionLine(report, options)));
}
