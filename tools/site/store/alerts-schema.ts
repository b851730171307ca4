/** The alert tables, as Kysely sees them (merged into `Database` in schema.ts). */
import type { ColumnType, Generated, Selectable } from 'kysely';

export const LIST_PURPOSES = ['watch', 'missing', 'other'] as const;
export type ListPurpose = (typeof LIST_PURPOSES)[number];
export const ALERT_STATES = ['open', 'acknowledged', 'closed'] as const;
export type AlertState = (typeof ALERT_STATES)[number];
export const DELIVERY_STATES = ['pending', 'delivered', 'dead'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export interface AlertListTable {
  id: string;
  name: string;
  purpose: ListPurpose;
  /** JSON array of zone ids whose subtrees the list applies in; empty: the whole site. */
  zones: string;
}

export interface AlertListMemberTable {
  list_id: string;
  person_id: string;
  added_at: number;
}

/** A watch or missing-person list member's reference photo (shown beside an alert's snapshot). */
export interface AlertListPhotoTable {
  list_id: string;
  person_id: string;
  /** JPEG, base64. */
  jpeg: string;
  set_at: number;
  set_by: string | null;
}

export interface AlertPeriodTable {
  id: string;
  name: string;
  /** IANA time zone the intervals and dates are read in. */
  time_zone: string;
  /** JSON: `{ mon: ['22:00-24:00'], ... }`. */
  weekly: string;
  /** JSON array of whole days (`YYYY-MM-DD`) inside the period: holidays, special events. */
  dates: string;
}

export interface AlertRuleTable {
  id: string;
  /** The latest version; each change makes the next. */
  version: number;
  /** JSON of the rule's definition at that version. */
  definition: string;
  deleted: ColumnType<number, number | undefined, number>;
  updated_at: number;
}

export interface AlertRuleVersionTable {
  rule_id: string;
  version: number;
  /** Null: the rule was deleted at this version. */
  definition: string | null;
  at: number;
  username: string | null;
}

export interface AlertTable {
  id: Generated<number>;
  rule_id: string;
  rule_version: number;
  trigger: string;
  severity: string;
  zone_id: number | null;
  terminal_id: string | null;
  person_id: string | null;
  /** The event that raised it: terminal + seq. */
  event_terminal: string | null;
  event_seq: number | null;
  score: number | null;
  liveness: number | null;
  /** The terminal's snapshot reference, when the event carried one. */
  snapshot: string | null;
  /** A `plate-appears` alert's plate as the camera read it. */
  plate: ColumnType<string | null, string | null | undefined, string | null>;
  /** What else it is about, as JSON: `inspection-overdue`'s unit and inspector (`AlertSubject`). */
  subject: ColumnType<string | null, string | null | undefined, string | null>;
  /** Strangers: sightings with the same key within the rule's window join this alert. */
  dedupe_key: string | null;
  sightings: number;
  first_seen_at: number;
  last_seen_at: number;
  state: AlertState;
  created_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  closed_at: number | null;
  closed_by: string | null;
}

export interface AlertNoteTable {
  id: Generated<number>;
  alert_id: number;
  at: number;
  username: string | null;
  text: string;
}

export interface WebhookEndpointTable {
  id: string;
  url: string;
  /** HMAC-SHA256 key the deliveries are signed with (hex). */
  secret: string;
  created_at: number;
  last_success_at: number | null;
  last_failure_at: number | null;
  last_error: string | null;
  consecutive_failures: ColumnType<number, number | undefined, number>;
}

export interface WebhookDeliveryTable {
  id: Generated<number>;
  endpoint_id: string;
  alert_id: number;
  /** The exact JSON body signed and sent (a replay sends it again). */
  body: string;
  state: DeliveryState;
  attempts: number;
  next_at: number;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** Terminals the alert engine saw go offline and not come back yet (kept across site restarts). */
export interface AlertOfflineTerminalTable {
  terminal_id: string;
  /** When the site saw it go offline: terminal-offline rules time T from here. */
  since: number;
}

export interface AlertTables {
  alert_lists: AlertListTable;
  alert_list_members: AlertListMemberTable;
  alert_list_photos: AlertListPhotoTable;
  alert_periods: AlertPeriodTable;
  alert_rules: AlertRuleTable;
  alert_rule_versions: AlertRuleVersionTable;
  alerts: AlertTable;
  alert_notes: AlertNoteTable;
  webhook_endpoints: WebhookEndpointTable;
  webhook_deliveries: WebhookDeliveryTable;
  alert_offline_terminals: AlertOfflineTerminalTable;
}

export type AlertRow = Selectable<AlertTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;
