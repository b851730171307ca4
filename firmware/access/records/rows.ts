// Rows of the access tables as SQLite returns them, and the records they become.
import { randomBytes } from 'node:crypto';
import { ID_PATTERN } from '@limen/sdk/protocol';
import type { Consent, Credential, CredentialType, Group, Person, Schedule, TimeInterval } from '../types.js';

export interface PersonRow {
  id: string;
  name: string;
  enabled: 0 | 1;
  valid_from: number | null;
  valid_until: number | null;
  created_at: number;
  updated_at: number;
  data: string | null;
}
export interface GroupRow {
  id: string;
  name: string;
  schedule_id: string | null;
}
export interface ScheduleRow {
  id: string;
  name: string;
  weekly: string;
  holiday_intervals: string;
}
export interface CredentialRow {
  id: string;
  person_id: string;
  type: CredentialType;
  value_key: string;
  label: string | null;
  enabled: 0 | 1;
  valid_from: number | null;
  valid_until: number | null;
  created_at: number;
}
export interface ConsentRow {
  person_id: string;
  kind: string;
  granted_at: number;
  source: string;
  record: string | null;
}

export const toPerson = (r: PersonRow): Person => ({
  id: r.id,
  name: r.name,
  enabled: r.enabled === 1,
  validFrom: r.valid_from,
  validUntil: r.valid_until,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  data: r.data === null ? null : (JSON.parse(r.data) as Record<string, unknown>),
});
export const toGroup = (r: GroupRow): Group => ({ id: r.id, name: r.name, scheduleId: r.schedule_id });
export const toSchedule = (r: ScheduleRow): Schedule => ({
  id: r.id,
  name: r.name,
  weekly: JSON.parse(r.weekly) as Schedule['weekly'],
  holidayIntervals: JSON.parse(r.holiday_intervals) as TimeInterval[],
});
export const toCredential = (r: CredentialRow): Credential => ({
  id: r.id,
  personId: r.person_id,
  type: r.type,
  valueKey: r.value_key,
  label: r.label,
  enabled: r.enabled === 1,
  validFrom: r.valid_from,
  validUntil: r.valid_until,
  createdAt: r.created_at,
});
export const toConsent = (r: ConsentRow): Consent => ({
  personId: r.person_id,
  kind: r.kind,
  grantedAt: r.granted_at,
  source: r.source,
  record: r.record === null ? null : (JSON.parse(r.record) as Record<string, unknown>),
});

export const bit = (b: boolean) => (b ? 1 : 0);

/** A short random id (12 characters, about 72 bits) in the protocol's id grammar: it starts with a letter or digit. */
export function generateId(): string {
  for (;;) {
    const id = randomBytes(9).toString('base64url');
    if (ID_PATTERN.test(id)) return id;
  }
}
