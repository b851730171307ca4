/**
 * The one grammar for ids (persons, groups, terminals, sites, sessions) and the one
 * rule for display names. The wire schemas, the terminal's store and access layer
 * and the CLI all use these, so a value one side accepts the other accepts too.
 */

/**
 * Ids: 1-64 letters, digits, `.`, `_` or `-`, starting with a letter or digit. They
 * travel unchanged in MQTT topics, URLs and file names, and never read as a CLI flag.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const ID_MAX_LENGTH = 64;
export const ID_RULE = '1-64 letters, digits, ".", "_" or "-", starting with a letter or digit';

export function isValidId(s: unknown): s is string {
  return typeof s === 'string' && ID_PATTERN.test(s);
}

/** Longest display name (a person's, a group's), in UTF-16 code units. */
export const DISPLAY_NAME_MAX = 200;

/**
 * Characters no display name may hold: C0 and C1 controls and DEL (terminal escape
 * sequences, line breaks), lone surrogates, line/paragraph separators, and the
 * bidirectional marks, embeddings, overrides and isolates that make text display
 * in another order than it is stored (U+061C, U+200E-200F, U+202A-202E, U+2066-2069).
 */
const UNSAFE_IN_NAME = /[\p{Cc}\p{Cs}\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;
const UNSAFE_IN_NAME_G = new RegExp(UNSAFE_IN_NAME.source, 'gu');

/** Why `s` is not an acceptable display name, or null when it is. */
export function displayNameProblem(s: string): string | null {
  if (s.trim().length === 0) return 'must not be empty';
  if (s.length > DISPLAY_NAME_MAX) return `must be at most ${DISPLAY_NAME_MAX} characters`;
  const bad = UNSAFE_IN_NAME.exec(s);
  if (bad) return `must not contain control or bidirectional-override characters (found ${codePointLabel(bad[0])})`;
  return null;
}

/** Whether `s` holds any character a display name may not (see `displayNameProblem`). */
export function hasUnsafeText(s: string): boolean {
  return UNSAFE_IN_NAME.test(s);
}

/**
 * `s` safe to print on a terminal: every character a name may not hold is shown as
 * `\u{...}`, and backslashes are doubled so the escape cannot be forged. For values
 * stored before the rule existed.
 */
export function escapeUnsafeText(s: string): string {
  if (!UNSAFE_IN_NAME.test(s) && !s.includes('\\')) return s;
  return s.replace(/\\/g, '\\\\').replace(UNSAFE_IN_NAME_G, (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`);
}

/**
 * JSON text with every character a name may not hold written as a `\uXXXX` escape: the
 * same data for a JSON reader, nothing that acts on a terminal that prints it. (Apart
 * from JSON's whitespace, these characters only occur inside strings, so the text stays valid.)
 */
export function escapeUnsafeJson(json: string): string {
  // Tab, line feed and carriage return outside strings are JSON's own whitespace (inside, JSON.stringify escapes them).
  return json.replace(UNSAFE_IN_NAME_G, (c) => (c === '\n' || c === '\r' || c === '\t' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

function codePointLabel(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}
