/**
 * Tables of the population register's fresh data (migration 0005): anonymous identities
 * clustered from strangers' sealed templates, their sightings, the review queue of the
 * two standing tasks, the site's task settings, and the register changes confirmed or
 * imported (what the closed loop exports).
 */
import type { Generated } from 'kysely';

export interface AnonIdentityTable {
  id: string;
  /** The cluster's centroid, sealed at rest (see community/sealing.ts). */
  centroid: string;
  count: number;
  model: string;
  first_seen: number;
  last_seen: number;
  created_at: number;
  /** Set when staff registered it as a person: retention keeps it then. */
  promoted_person_id: string | null;
  promoted_at: number | null;
}

export interface AnonTemplateTable {
  id: Generated<number>;
  identity_id: string;
  model: string;
  /** The template, sealed at rest. */
  template: string;
  similarity: number;
  captured_at: number;
}

export interface AnonSightingTable {
  id: Generated<number>;
  identity_id: string;
  at: number;
  terminal_id: string;
  /** The stranger event (terminal + seq): where its face snapshot is kept, on the terminal. */
  event_seq: number;
  zone_id: number | null;
  direction: string | null;
  /** Similarity of the face to the identity it joined (-1: it started it). */
  similarity: number;
  /** The face snapshot the stranger event names (kept sealed on the terminal), if any. */
  snapshot_id: string | null;
}

export interface CommunityFindingTable {
  id: Generated<number>;
  kind: 'frequent' | 'absent';
  /** An anonymous identity id (frequent) or a person id (absent). */
  subject: string;
  state: 'open' | 'confirmed' | 'rejected';
  detail: string;
  likely_zone_id: number | null;
  created_at: number;
  decided_at: number | null;
  decided_by: string | null;
  note: string | null;
  suppress_until: number | null;
}

export interface CommunitySettingTable {
  key: string;
  value: string;
}

export interface RegisterChangeTable {
  id: Generated<number>;
  at: number;
  kind: 'registered' | 'moved-out';
  source: 'finding' | 'import';
  person_id: string;
  unit_id: number | null;
  finding_id: number | null;
  username: string | null;
  detail: string | null;
}

export interface CommunityTables {
  anon_identities: AnonIdentityTable;
  anon_templates: AnonTemplateTable;
  anon_sightings: AnonSightingTable;
  community_findings: CommunityFindingTable;
  community_settings: CommunitySettingTable;
  register_changes: RegisterChangeTable;
}
