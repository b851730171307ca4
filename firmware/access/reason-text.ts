import type { AccessReason } from './types.js';

/**
 * What a denial says on the terminal's screen, in English, per reason code. The
 * kiosk's language tables translate the same codes.
 */
export const REASON_TEXT_EN: Readonly<Record<Exclude<AccessReason, 'granted'>, string>> = Object.freeze({
  'unknown-credential': 'Unknown card',
  'malformed-credential': 'Unreadable card',
  'credential-disabled': 'Card disabled',
  'credential-expired': 'Card expired',
  'credential-not-yet-valid': 'Card not yet valid',
  'person-disabled': 'Access disabled',
  'person-expired': 'Access expired',
  'person-not-yet-valid': 'Access not yet valid',
  'no-access-group': 'No access here',
  'outside-schedule': 'Not allowed at this time',
  holiday: 'Closed for the holiday',
  stranger: 'Face not recognised',
  'spoof-suspected': 'Liveness check failed',
  'no-face-consent': 'Face access not enabled',
  'pass-invalid': 'Invalid pass',
  'pass-not-yet-valid': 'Pass not yet valid',
  'pass-expired': 'Pass expired',
  'pass-wrong-terminal': 'Pass not valid here',
  'pass-used-up': 'Pass used up',
  'pass-revoked': 'Pass cancelled',
  'anti-passback': 'Already inside',
  'ambiguous-plate': 'Plate not certain',
  'guard-no-answer': 'Not admitted by the guard',
});

export function describeReason(reason: string): string {
  return (REASON_TEXT_EN as Record<string, string>)[reason] ?? reason;
}
