/**
 * The site store's tables, as Kysely sees them: one `Database` interface that types
 * every query. Times are epoch milliseconds (integers) on both dialects, so that
 * ordering, ranges and paging work the same on SQLite and PostgreSQL.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { AlertTables } from './alerts-schema.js';
import type { VehicleTables } from './vehicles-schema.js';
import type { CommunityTables } from './community-schema.js';
import type { InspectionTables } from './inspections-schema.js';

export const ZONE_KINDS = ['community', 'compound', 'building', 'unit-door', 'other'] as const;
export type ZoneKind = (typeof ZONE_KINDS)[number];
export const TERMINAL_ROLES = ['gate', 'compound-entrance', 'building-door', 'vehicle-gate'] as const;
export type TerminalRole = (typeof TERMINAL_ROLES)[number];
export const DIRECTIONS = ['in', 'out', 'both'] as const;
export type TerminalDirection = (typeof DIRECTIONS)[number];
/** The direction of one passage: a `both` terminal's events carry their own, or none. */
export type PassageDirection = 'in' | 'out';
export const UNIT_KINDS = ['flat', 'rented-room', 'shop'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];
export const RESIDENCY_ROLES = ['owner', 'tenant', 'family'] as const;
export type ResidencyRole = (typeof RESIDENCY_ROLES)[number];
export const CREDENTIAL_TYPES = ['card', 'pin', 'face', 'qr'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];
export const STAFF_ROLES = ['admin', 'guard', 'registrar', 'inspector', 'viewer'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface ZoneTable {
  id: Generated<number>;
  parent_id: number | null;
  kind: ZoneKind;
  name: string;
  /** Materialised path of ids, `/1/4/9/`: a subtree is `path LIKE '/1/4/%'`. */
  path: string;
  created_at: number;
}

export interface TerminalTable {
  /** The fleet terminal id. */
  id: string;
  zone_id: number | null;
  role: TerminalRole;
  direction: TerminalDirection;
  name: string | null;
}

export interface UnitTable {
  id: Generated<number>;
  /** A building zone. */
  zone_id: number;
  kind: UnitKind;
  /** As written on the door: `3-1201`. */
  label: string;
}

export interface PersonTable {
  /** The id terminals know the person by (events carry it as `personId`). */
  id: string;
  name: string;
  phone: string | null;
  /** Identity-document number, masked for display (`110***********1234`); never in clear. */
  id_doc_masked: string | null;
  /** HMAC-SHA256 of the normalised number under the site's secret, to find a person by it. */
  id_doc_hash: string | null;
  created_at: number;
  updated_at: number;
}

export interface ResidencyTable {
  id: Generated<number>;
  person_id: string;
  unit_id: number;
  role: ResidencyRole;
  move_in: number;
  move_out: number | null;
}

export interface CredentialTable {
  id: Generated<number>;
  person_id: string;
  type: CredentialType;
  /**
   * What identifies it: a card number, a face template or photo reference, a pass
   * id. For a PIN, the keyed hash (a PIN is never stored in clear).
   */
  ref: string;
  created_at: number;
}

export interface EventTable {
  id: Generated<number>;
  terminal_id: string;
  seq: number;
  ts: number;
  type: string;
  result: 'granted' | 'denied' | null;
  reason: string | null;
  person_id: string | null;
  credential_type: string | null;
  credential_ref: string | null;
  /** The terminal's zone when the event was ingested. */
  zone_id: number | null;
  direction: PassageDirection | null;
  /** The event's `data` as JSON text. */
  data: string | null;
  received_at: number;
  /** A vehicle passage's plate (normalised when valid) and its search key (`plateSearchKey`). */
  plate: ColumnType<string | null, string | null | undefined, string | null>;
  plate_key: ColumnType<string | null, string | null | undefined, string | null>;
  /** 1 while presence has yet to apply this passage (tools/site/presence.ts), else null. */
  presence_pending: ColumnType<1 | null, 1 | null | undefined, 1 | null>;
}

export interface StaffTable {
  id: Generated<number>;
  username: string;
  role: StaffRole;
  /** argon2id PHC string. */
  password_hash: string;
  disabled: ColumnType<number, number | undefined, number>;
  created_at: number;
}

export interface SessionTable {
  /** SHA-256 of the session token: a copy of the table opens no session. */
  id: string;
  staff_id: number;
  created_at: number;
  expires_at: number;
  ip: string | null;
}

export interface AuditTable {
  id: Generated<number>;
  at: number;
  staff_id: number | null;
  username: string | null;
  action: string;
  subject: string | null;
  ip: string | null;
  /** JSON text: the query of a search, the fields of a change. */
  detail: string | null;
}

export interface VisitorTable {
  id: Generated<number>;
  /** The id terminals know the visitor by (a face on the terminals, events' `personId`). */
  person_id: string;
  name: string;
  phone: string | null;
  id_doc_masked: string | null;
  id_doc_hash: string | null;
  host_unit_id: number;
  purpose: string | null;
  expected_from: number;
  expected_until: number;
  plate: string | null;
  /** Face photo, base64; only with a consent record, deleted after `photo_delete_after`. */
  photo: string | null;
  photo_mime: string | null;
  consent_at: number | null;
  consent_method: string | null;
  consent_reference: string | null;
  photo_delete_after: number | null;
  created_at: number;
}

export interface VisitorPassTable {
  /** The pass id the token carries (`i`) and events name (`pass:{id}`). */
  id: string;
  visitor_id: number;
  /** JSON array of the terminal ids the pass opens (the host's zone path). */
  terminals: string;
  /** Key id that signed it: the token is re-made from these claims, never stored. */
  kid: string;
  valid_from: number;
  valid_until: number;
  max_uses: number;
  /** Uses seen in ingested events across every terminal. */
  uses: ColumnType<number, number | undefined, number>;
  revoked_at: number | null;
  issued_at: number;
}

export const VISIT_CLOSES = ['exit', 'expired'] as const;
export type VisitClose = (typeof VISIT_CLOSES)[number];

export interface VisitTable {
  id: Generated<number>;
  visitor_id: number;
  pass_id: string | null;
  entered_at: number;
  entered_terminal: string;
  zone_id: number | null;
  exited_at: number | null;
  closed: VisitClose | null;
}

export const SUBJECT_KINDS = ['resident', 'visitor', 'unknown', 'vehicle'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

export interface PositionTable {
  /** A person id (residents, visitors by their `person_id`), or one the site does not know. */
  subject: string;
  kind: SubjectKind;
  /** The innermost zone the subject is in; null once they left the outermost. */
  zone_id: number | null;
  /** Time of the passage that put them there (a later passage wins, whatever order events arrive in). */
  ts: number;
}

export interface TerminalPersonTable {
  terminal_id: string;
  person_id: string;
  /** Of the record last sent: an unchanged person is not sent again. */
  digest: string;
  synced_at: number;
}

/** A terminal that confirmed a pass's revocation (`passes.revoke`); see pass-revocations.ts. */
export interface PassRevocationSentTable {
  pass_id: string;
  terminal_id: string;
  sent_at: number;
}

export interface AccessScheduleTable {
  id: string;
  name: string;
  /** JSON: `{ mon: ['08:00-18:00'], ... }`. */
  weekly: string;
  /** JSON array of intervals. */
  holiday_intervals: string;
}

export interface AccessHolidayTable {
  /** YYYY-MM-DD. */
  date: string;
  name: string;
}

export interface AccessGroupTable {
  id: string;
  name: string;
  schedule_id: string | null;
}

export interface Database extends VehicleTables, InspectionTables, AlertTables, CommunityTables {
  zones: ZoneTable;
  terminals: TerminalTable;
  units: UnitTable;
  persons: PersonTable;
  residencies: ResidencyTable;
  credentials: CredentialTable;
  events: EventTable;
  staff: StaffTable;
  sessions: SessionTable;
  audit: AuditTable;
  visitors: VisitorTable;
  visitor_passes: VisitorPassTable;
  visits: VisitTable;
  positions: PositionTable;
  terminal_persons: TerminalPersonTable;
  pass_revocations_sent: PassRevocationSentTable;
  access_schedules: AccessScheduleTable;
  access_holidays: AccessHolidayTable;
  access_groups: AccessGroupTable;
}

export type Zone = Selectable<ZoneTable>;
export type Terminal = Selectable<TerminalTable>;
export type Unit = Selectable<UnitTable>;
export type Person = Selectable<PersonTable>;
export type Residency = Selectable<ResidencyTable>;
export type Credential = Selectable<CredentialTable>;
export type StoredEvent = Selectable<EventTable>;
export type Staff = Selectable<StaffTable>;
export type AuditEntry = Selectable<AuditTable>;
export type NewEvent = Insertable<EventTable>;
export type TerminalUpdate = Updateable<TerminalTable>;
export type Visitor = Selectable<VisitorTable>;
export type VisitorPass = Selectable<VisitorPassTable>;
export type Visit = Selectable<VisitTable>;
export type Position = Selectable<PositionTable>;
