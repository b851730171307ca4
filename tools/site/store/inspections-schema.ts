/**
 * Rented-room inspections, as Kysely sees them: each unit's card and inspection
 * settings, the inspectors' printed contact, and the visits they record with the new
 * occupants (masked ID number, photo with consent) each visit brought.
 */
import type { ColumnType, Generated, Selectable } from 'kysely';

export interface InspectorTable {
  /** A staff member with the `inspector` role. */
  staff_id: number;
  /** As printed on the cards. */
  name: string;
  phone: string | null;
}

export interface UnitInspectionTable {
  unit_id: number;
  /** Printed on the card; null: the unit's zone path and label. */
  address: string | null;
  landlord_name: string | null;
  landlord_phone: string | null;
  /** The responsible inspector (a staff id). */
  inspector_id: number | null;
  /** Days between visits; null: the unit is not inspected. */
  period_days: number | null;
  /** The serial the unit's card carries: a reprinted card gets the next, the old one stops working. */
  card_serial: ColumnType<number, number | undefined, number>;
  /** When the period was set: a unit never visited is due from then. */
  since: number;
  updated_at: number;
}

export interface InspectionVisitTable {
  id: Generated<number>;
  unit_id: number;
  inspector_id: number;
  inspector_username: string;
  /** The server's clock when the visit was recorded. */
  at: number;
  /** JSON arrays of person ids: residents seen, residents gone (moved out at `at`), new occupants (moved in at `at`). */
  confirmed: string;
  departed: string;
  added: string;
  note: string | null;
}

export interface InspectionOccupantTable {
  id: Generated<number>;
  visit_id: number;
  person_id: string;
  /** Photo taken at the visit, base64; only with the consent given at that visit. */
  photo: string | null;
  photo_mime: string | null;
  consent_at: number | null;
  consent_by: string | null;
}

export interface InspectionTables {
  inspectors: InspectorTable;
  unit_inspections: UnitInspectionTable;
  inspection_visits: InspectionVisitTable;
  inspection_occupants: InspectionOccupantTable;
}

export type Inspector = Selectable<InspectorTable>;
export type UnitInspection = Selectable<UnitInspectionTable>;
export type InspectionVisit = Selectable<InspectionVisitTable>;
export type InspectionOccupant = Selectable<InspectionOccupantTable>;
