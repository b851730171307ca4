/**
 * Protocol versions. The topic namespace carries the wire generation (`limen/v1/...`);
 * the envelope's `v` carries the protocol revision inside that generation. A peer
 * advertises the revisions it speaks in its presence message, and the requester
 * picks the highest revision both sides speak. Within one revision, fields are only
 * ever added, and readers ignore fields they do not know.
 */
export const PROTOCOL_VERSION = 1;

export interface VersionRange {
  min: number;
  max: number;
}

/** The revisions this build of the contract speaks. */
export const SUPPORTED_VERSIONS: Readonly<VersionRange> = Object.freeze({ min: 1, max: 1 });

/** The highest revision in both ranges, or null when they do not overlap. */
export function negotiateVersion(ours: VersionRange, theirs: VersionRange): number | null {
  const v = Math.min(ours.max, theirs.max);
  return v >= Math.max(ours.min, theirs.min) ? v : null;
}

export function isSupportedVersion(v: number, range: VersionRange = SUPPORTED_VERSIONS): boolean {
  return Number.isInteger(v) && v >= range.min && v <= range.max;
}
