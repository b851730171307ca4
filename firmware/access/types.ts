import type { SealedStrangerTemplate } from '@limen/sdk/protocol';

/** Kinds of credential the store knows. A QR code is a visitor pass (no stored credential). */
export type CredentialType = 'card' | 'pin' | 'face' | 'qr' | 'plate';

/** Times are milliseconds since the Unix epoch; windows are half-open [from, until), null = unbounded. */
export interface ValidityWindow {
  validFrom: number | null;
  validUntil: number | null;
}

export interface Person extends ValidityWindow {
  id: string;
  name: string;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
  /** Free-form JSON the backend attaches (employee number, department...). */
  data: Record<string, unknown> | null;
}

/**
 * An access group. `scheduleId` null means the group may enter at any time
 * (holidays included). A person in no group is denied with 'no-access-group'.
 */
export interface Group {
  id: string;
  name: string;
  scheduleId: string | null;
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/**
 * 'HH:MM-HH:MM' local time, start inclusive, end exclusive, start < end,
 * '24:00' allowed as an end. An interval never crosses midnight: write
 * '22:00-24:00' on one day and '00:00-06:00' on the next.
 */
export type TimeInterval = string;

/**
 * Weekly access windows in the terminal's time zone. A weekday that is absent
 * or has no intervals allows no access. On a holiday, `holidayIntervals`
 * replace the weekday's intervals (empty: no access that day).
 */
export interface Schedule {
  id: string;
  name: string;
  weekly: Partial<Record<Weekday, TimeInterval[]>>;
  holidayIntervals: TimeInterval[];
}

/** A local date ('YYYY-MM-DD' in the terminal's time zone) on which schedules use their holiday intervals. */
export interface Holiday {
  date: string;
  name: string;
}

export interface Credential extends ValidityWindow {
  id: string;
  personId: string;
  type: CredentialType;
  /**
   * The lookup key: a card's normalised decimal number; for a PIN an HMAC of it
   * (the PIN itself is never stored); for a face the person id.
   */
  valueKey: string;
  label: string | null;
  enabled: boolean;
  createdAt: number;
}

/** A recorded consent. Kind 'face' is the consent to biometric identification. */
export interface Consent {
  personId: string;
  kind: string;
  grantedAt: number;
  source: string;
  /** The record the consent was given with (who, how, where the proof is), when one came with it. */
  record: Record<string, unknown> | null;
}

export const FACE_CONSENT = 'face';

/**
 * What a reader presented. A discriminated union on `type`: QR codes and
 * number plates join as new members without changing these.
 *
 * For faces, vision has already done the matching and the liveness check: it
 * passes the best match above its threshold (`personId`, or null for no match)
 * and sets `spoofSuspected` when liveness failed. `score` and `liveness` are
 * recorded in the event.
 */
export type PresentedCredential =
  | { type: 'card'; value: string; format?: string }
  | { type: 'pin'; value: string }
  | { type: 'face'; personId: string | null; score: number; liveness: number | null; spoofSuspected?: boolean; template?: SealedStrangerTemplate; snapshotId?: string }
  /** The text of a scanned QR code: a signed visitor pass token (`LP1....`). */
  | { type: 'qr'; value: string }
  /** A licence plate as a plate camera read it, with what else it said (see hal/plate-reader.ts). */
  | PresentedPlate;

/** Which way a passage goes, for anti-passback: into the zone or out of it. */
export type PassageDirection = 'in' | 'out';

export interface PresentedPlate {
  type: 'plate';
  /** As read; normalised before lookup. */
  value: string;
  colour?: 'blue' | 'yellow' | 'green' | 'white' | 'black' | 'yellow-green' | 'other';
  vehicleType?: string;
  /** As the camera reported it; 'in'/'out' also decide the anti-passback direction. */
  direction?: 'in' | 'out' | 'unknown';
  confidence?: number;
  cameraId?: string;
  /** The plate snapshot kept for this read (store/plate snapshots), or null. */
  snapshotId?: string | null;
}

/** Every reason a decision can give; 'granted' is the only one that opens. */
export const ACCESS_REASONS = [
  'granted',
  'malformed-credential',
  'unknown-credential',
  'credential-disabled',
  'credential-not-yet-valid',
  'credential-expired',
  'person-disabled',
  'person-not-yet-valid',
  'person-expired',
  'no-access-group',
  'outside-schedule',
  'holiday',
  'stranger',
  'spoof-suspected',
  'no-face-consent',
  /** Visitor passes: not a pass, forged, or signed by a key this terminal does not trust. */
  'pass-invalid',
  'pass-not-yet-valid',
  'pass-expired',
  /** The pass names other terminals and zones. */
  'pass-wrong-terminal',
  /** Every allowed use has been made. */
  'pass-used-up',
  /** The fleet revoked the pass (used up across the site's zone, or cancelled by staff). */
  'pass-revoked',
  /** Anti-passback: an entry into the zone not preceded by an exit (or an exit by an entry). */
  'anti-passback',
  /** A read plate matches several stored plates at the configured strictness. */
  'ambiguous-plate',
  /** An unknown plate under the ask-guard policy: no operator opened within the wait. */
  'guard-no-answer',
] as const;

export type AccessReason = (typeof ACCESS_REASONS)[number];

export interface AccessDecision {
  result: 'granted' | 'denied';
  reason: AccessReason;
  /** For a visitor pass: its id, holder and the use this decision makes (1-based). */
  pass?: { id: string; holder: string; use: number; maxUses: number; validUntil: number };
  /** The person the credential belongs to, when known. */
  personId?: string;
  /** The matched credential, when there is one. */
  credentialId?: string;
}
