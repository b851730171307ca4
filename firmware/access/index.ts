export { AccessService, type AccessServiceOptions, type GuardAnswer, type PresentOptions, type PresentResult, type UnknownPlatePolicy } from './service.js';
export { AntiPassback, type AntiPassbackOptions, type LastPassage } from './anti-passback.js';
export {
  AccessRepository,
  generateId,
  type CredentialOptions,
  type CredentialPatch,
  type GroupPatch,
  type NewGroup,
  type NewPerson,
  type NewSchedule,
  type PersonPatch,
  type SchedulePatch,
} from './repository.js';
export { decide, type DecideOptions, type DecisionLookups } from './decide.js';
export { QrScanner, type QrScannerOptions } from './qr-scanner.js';
export { VisitorPasses, type PassCheck, type PassVerifier, type VisitorPassesOptions } from './passes.js';
export { assertTimeZone, localTime, parseInterval, scheduleAllows, WEEKDAYS, type LocalTime } from './schedule.js';
export { assertValidPin, isValidCardNumber, isValidPin, normaliseCardNumber, pinLookupKey } from './credential-values.js';
export { AccessError, type AccessErrorCode } from './errors.js';
export * from './types.js';
