import { normalisePlate, type PlateStrictness } from '@limen/sdk/protocol';
import { isValidCardNumber, isValidPin } from './credential-values.js';
import { localTime, scheduleAllows } from './schedule.js';
import {
  FACE_CONSENT,
  type AccessDecision,
  type AccessReason,
  type Credential,
  type CredentialType,
  type Group,
  type Person,
  type PresentedCredential,
  type Schedule,
  type ValidityWindow,
} from './types.js';
import type { PassVerifier } from './passes.js';

/**
 * What `decide` needs to know about the world. AccessRepository implements it
 * over the store; tests can hand in a plain object.
 */
export interface DecisionLookups {
  /** The credential matching a presented value (a card number as read, a PIN as typed, a face's person id). */
  findCredential(type: CredentialType, value: string): Credential | undefined;
  getPerson(id: string): Person | undefined;
  groupsOf(personId: string): Group[];
  getSchedule(id: string): Schedule | undefined;
  /** Whether the local date 'YYYY-MM-DD' is a holiday. */
  isHoliday(date: string): boolean;
  hasConsent(personId: string, kind: string): boolean;
  /**
   * The plate credential for a normalised plate at `strictness` ('ambiguous' when several
   * match). Without it every plate is an unknown credential.
   */
  findPlate?(plate: string, strictness: PlateStrictness): Credential | 'ambiguous' | undefined;
}

export interface DecideOptions {
  /** How tolerant a plate lookup is of recognition confusions (default 'exact'). */
  plateMatch?: PlateStrictness;
}

function windowProblem(w: ValidityWindow, now: number): 'not-yet-valid' | 'expired' | null {
  if (w.validFrom !== null && now < w.validFrom) return 'not-yet-valid';
  if (w.validUntil !== null && now >= w.validUntil) return 'expired';
  return null;
}

const deny = (reason: AccessReason, personId?: string, credentialId?: string): AccessDecision => ({
  result: 'denied',
  reason,
  ...(personId !== undefined && { personId }),
  ...(credentialId !== undefined && { credentialId }),
});

/** Finds the credential for what was presented, or the reason there is none. */
function resolveCredential(input: PresentedCredential, lookups: DecisionLookups, options: DecideOptions): Credential | AccessDecision {
  switch (input.type) {
    case 'card':
      if (!isValidCardNumber(input.value)) return deny('malformed-credential');
      return lookups.findCredential('card', input.value) ?? deny('unknown-credential');
    case 'pin':
      if (!isValidPin(input.value)) return deny('malformed-credential');
      return lookups.findCredential('pin', input.value) ?? deny('unknown-credential');
    case 'face': {
      // A match to someone no longer enrolled (erased since the gallery loaded) is a stranger,
      // and their id must not reappear in new events.
      const person = input.personId === null ? undefined : lookups.getPerson(input.personId);
      if (input.spoofSuspected === true) return deny('spoof-suspected', person?.id);
      if (!person) return deny('stranger');
      if (!lookups.hasConsent(person.id, FACE_CONSENT)) return deny('no-face-consent', person.id);
      return lookups.findCredential('face', person.id) ?? deny('unknown-credential', person.id);
    }
    case 'plate': {
      const plate = normalisePlate(input.value);
      if (!plate.ok) return deny('malformed-credential');
      const found = lookups.findPlate?.(plate.plate, options.plateMatch ?? 'exact');
      if (found === 'ambiguous') return deny('ambiguous-plate');
      return found ?? deny('unknown-credential');
    }
    case 'qr':
      // Visitor passes are decided in `decide` itself: they belong to no person.
      return deny('unknown-credential');
    default: {
      const unknown: never = input;
      throw new TypeError(`decide: unsupported credential type ${JSON.stringify((unknown as { type: unknown }).type)}`);
    }
  }
}

/**
 * Decides one presentation. Pure: it reads through `lookups` and writes nothing.
 *
 * Checks run in this order and the first failure is the reason:
 * 1. the credential: malformed value, face liveness ('spoof-suspected'), no match
 *    ('stranger'), no face consent, unknown; then disabled, not yet valid, expired;
 * 2. its person: disabled, not yet valid, expired;
 * 3. groups: none ('no-access-group'); granted when any group has no schedule
 *    or its schedule allows the local time in `timeZone`; otherwise 'holiday' on
 *    a holiday, 'outside-schedule' on other days.
 *
 * Validity windows are half-open: valid from `validFrom` (inclusive) until
 * `validUntil` (exclusive).
 *
 * A QR code is a visitor pass: checked by `passes` (signature, window, this
 * terminal, uses left) and granted on its own terms, without person or groups.
 * Without `passes`, a QR code is an 'unknown-credential'.
 *
 * A plate is normalised ('malformed-credential' when it is no plate) and looked up at
 * `options.plateMatch`; several tolerant matches are 'ambiguous-plate'. Then it is a
 * credential like any other: a visitor's vehicle carries its person's validity window.
 */
export function decide(
  input: PresentedCredential,
  lookups: DecisionLookups,
  now: number,
  timeZone: string,
  passes?: PassVerifier,
  options: DecideOptions = {},
): AccessDecision {
  if (input.type === 'qr') return decidePass(input.value, passes, now);
  const found = resolveCredential(input, lookups, options);
  if ('result' in found) return found;
  const credential = found;
  const personId = credential.personId;
  if (!credential.enabled) return deny('credential-disabled', personId, credential.id);
  const credentialWindow = windowProblem(credential, now);
  if (credentialWindow) return deny(`credential-${credentialWindow}`, personId, credential.id);

  const person = lookups.getPerson(personId);
  if (!person) return deny('unknown-credential', undefined, credential.id);
  if (!person.enabled) return deny('person-disabled', personId, credential.id);
  const personWindow = windowProblem(person, now);
  if (personWindow) return deny(`person-${personWindow}`, personId, credential.id);

  const groups = lookups.groupsOf(personId);
  if (groups.length === 0) return deny('no-access-group', personId, credential.id);
  const local = localTime(now, timeZone);
  const holiday = lookups.isHoliday(local.date);
  for (const group of groups) {
    const schedule = group.scheduleId === null ? null : lookups.getSchedule(group.scheduleId);
    if (group.scheduleId === null || (schedule && scheduleAllows(schedule, local, holiday))) {
      return { result: 'granted', reason: 'granted', personId, credentialId: credential.id };
    }
  }
  return deny(holiday ? 'holiday' : 'outside-schedule', personId, credential.id);
}

function decidePass(token: string, passes: PassVerifier | undefined, now: number): AccessDecision {
  if (!passes) return deny('unknown-credential');
  const c = passes.check(token, now);
  if (!c.ok) return { ...deny(c.reason), ...(c.passId !== undefined && { credentialId: `pass:${c.passId}` }) };
  return {
    result: 'granted',
    reason: 'granted',
    credentialId: `pass:${c.pass.id}`,
    pass: { id: c.pass.id, holder: c.pass.holder, use: c.uses + 1, maxUses: c.pass.maxUses, validUntil: c.pass.validUntil },
  };
}
