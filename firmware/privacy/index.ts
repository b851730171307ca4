/** Data protection on the terminal's records: erasing a person for good, and retention of strangers' data. */
export { erasePerson, erasePersonRecords, erasurePseudonym, type ErasedPerson, type PersonRecords } from './secure-erase.js';
export { RetentionPolicy, STRANGER_EVENT_TYPES, type RetentionOptions, type RetentionResult } from './retention.js';
