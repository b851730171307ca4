/**
 * Chinese licence plates (GA 36-2018): normalisation, format validation and matching
 * that tolerates the characters plate cameras confuse.
 *
 * Formats recognised (plate written without separators):
 * - standard: province + issuing-authority letter + 5 serial characters (digits and
 *   letters, never I or O), e.g. 京A12345;
 * - new-energy (8 characters): small cars — province + letter + one of D A B C E (pure
 *   electric) or F G H J K (not pure electric) + a digit or letter + 4 digits, e.g.
 *   粤BD12345; large vehicles — province + letter + 5 digits + D or F, e.g. 沪A12345D;
 * - special: police (京A1234警), coach (京A1234学), trailer (京A1234挂), consulate
 *   (沪A1234领), embassy (使 + 6 digits, e.g. 使014578), Hong Kong / Macao cross-border
 *   (粤Z1234港, 粤Z1234澳), armed police (WJ, an optional province, 4 digits and a digit
 *   or service letter, e.g. WJ京1234X).
 */

export type PlateKind = 'standard' | 'new-energy' | 'special';

export type NormalisedPlate =
  | { ok: true; plate: string; kind: PlateKind; province: string }
  | { ok: false; code: 'PLATE_INVALID'; message: string };

/** The 31 provincial-level abbreviations a plate can start with. */
export const PLATE_PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';

/** Longest raw input looked at: a plate with generous separators and spaces. */
const MAX_RAW_LENGTH = 32;

const P = `[${PLATE_PROVINCES}]`;
/** A serial character: digits and letters except I and O (they read as 1 and 0). */
const S = '[0-9A-HJ-NP-Z]';

const FORMATS: ReadonlyArray<{ kind: PlateKind; re: RegExp; province: (m: RegExpExecArray) => string }> = [
  { kind: 'standard', re: new RegExp(`^(${P})[A-Z]${S}{5}$`, 'u'), province: (m) => m[1]! },
  { kind: 'new-energy', re: new RegExp(`^(${P})[A-Z][DABCEFGHJK]${S}[0-9]{4}$`, 'u'), province: (m) => m[1]! },
  { kind: 'new-energy', re: new RegExp(`^(${P})[A-Z][0-9]{5}[DF]$`, 'u'), province: (m) => m[1]! },
  { kind: 'special', re: new RegExp(`^(${P})[A-Z]${S}{4}[警学挂领]$`, 'u'), province: (m) => m[1]! },
  { kind: 'special', re: /^(粤)Z[0-9A-HJ-NP-Z]{4}[港澳]$/u, province: (m) => m[1]! },
  { kind: 'special', re: /^使[0-9]{6}$/u, province: () => '使' },
  { kind: 'special', re: new RegExp(`^WJ(?:${P})?[0-9]{4}[0-9A-Z]$`, 'u'), province: () => 'WJ' },
];

/** Separators cameras and people put in plates: spaces, dots, middle dots, hyphens, dashes. */
const SEPARATORS = /[\s.\u00b7\u2022\u2027\u2219\u22c5\u30fb\uff65\u2010-\u2015\u2212\-_]/gu;

/**
 * The plate's characters without separators: full-width forms folded to ASCII (NFKC),
 * upper-case. No validation.
 */
export function cleanPlate(raw: string): string {
  return raw.normalize('NFKC').replace(SEPARATORS, '').toUpperCase();
}

/**
 * Normalises a plate ("京a·12345", "京Ａ １２３４５" → "京A12345") and checks it is one of
 * the formats above. Idempotent: a normalised plate normalises to itself.
 */
export function normalisePlate(raw: string): NormalisedPlate {
  if (typeof raw !== 'string') return invalid('plate must be a string');
  if (raw.length > MAX_RAW_LENGTH) return invalid(`plate is longer than ${MAX_RAW_LENGTH} characters`);
  const plate = cleanPlate(raw);
  if (plate.length === 0) return invalid('plate is empty');
  for (const f of FORMATS) {
    const m = f.re.exec(plate);
    if (m) return { ok: true, plate, kind: f.kind, province: f.province(m) };
  }
  return invalid(`${JSON.stringify(plate)} is not a Chinese plate (province, letter, 5 serial characters; 6 for new-energy)`);
}

function invalid(message: string): NormalisedPlate {
  return { ok: false, code: 'PLATE_INVALID', message };
}

export type PlateStrictness = 'exact' | 'confusable' | 'one-edit';

/**
 * Characters plate cameras mix up, folded onto one of each group: 0/O/D, 8/B, 1/I,
 * 2/Z, 5/S. Chinese characters are never folded.
 */
const CONFUSABLE: Readonly<Record<string, string>> = { O: '0', D: '0', B: '8', I: '1', Z: '2', S: '5' };

/** Shortest cleaned plate compared at all: shorter strings are not plates and match nothing. */
const MIN_MATCH_LENGTH = 6;

/** Canonical form with confusable characters folded, for fuzzy search indexes. */
export function plateSearchKey(plate: string): string {
  let key = '';
  for (const ch of cleanPlate(plate)) key += CONFUSABLE[ch] ?? ch;
  return key;
}

/**
 * Whether two plates are the same vehicle at a strictness:
 * - exact: the same characters once normalised (separators, width, case ignored);
 * - confusable: also when they differ only in 0/O/D, 8/B, 1/I, 2/Z, 5/S;
 * - one-edit: also when, after that folding, one character differs, is missing or extra.
 * Each level accepts everything the stricter one does. Strings shorter than 6 characters
 * once cleaned match nothing.
 */
export function platesMatch(a: string, b: string, strictness: PlateStrictness): boolean {
  const ca = cleanPlate(a);
  const cb = cleanPlate(b);
  if ([...ca].length < MIN_MATCH_LENGTH || [...cb].length < MIN_MATCH_LENGTH) return false;
  if (ca === cb) return true;
  if (strictness === 'exact') return false;
  const ka = plateSearchKey(ca);
  const kb = plateSearchKey(cb);
  if (ka === kb) return true;
  if (strictness === 'confusable') return false;
  return withinOneEdit([...ka], [...kb]);
}

/** Levenshtein distance ≤ 1, in one pass. */
function withinOneEdit(a: string[], b: string[]): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}
