/** The vehicle tables, as Kysely sees them (merged into `Database` in schema.ts). */
import type { Generated } from 'kysely';

export interface VehicleTable {
  id: Generated<number>;
  /** Normalised (`normalisePlate`): `京A12345`. Unique on the site. */
  plate: string;
  /** `plateSearchKey(plate)`: confusable characters folded, for fuzzy search. */
  plate_key: string;
  /** A resident's car: the plate is one of the person's credentials on the terminals. */
  person_id: string | null;
  /** A unit's car (no one person): sent to the terminals as a vehicle of its own. */
  unit_id: number | null;
  colour: string | null;
  note: string | null;
  created_at: number;
  updated_at: number;
}

/** Plates on a watch list (lists are shared with faces: `alert_lists`). */
export interface AlertListPlateTable {
  list_id: string;
  plate: string;
  plate_key: string;
  note: string | null;
  added_at: number;
}

export interface VehicleTables {
  vehicles: VehicleTable;
  alert_list_plates: AlertListPlateTable;
}
