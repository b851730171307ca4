import type { OutputChange } from '../../../hal/sim/output.js';

/** A stretch of time, end exclusive; `end` is Infinity while it lasts. */
export interface Span {
  start: number;
  end: number;
}

/** Turns an output history into the spans it was active, the last one ending at `now` if still on. */
export function activeSpans(history: readonly OutputChange[], now: number): Span[] {
  const spans: Span[] = [];
  let start: number | null = null;
  for (const change of history) {
    if (change.active && start === null) start = change.at;
    if (!change.active && start !== null) {
      spans.push({ start, end: change.at });
      start = null;
    }
  }
  if (start !== null) spans.push({ start, end: now });
  return spans;
}

/**
 * The cap invariant: every active span of the relay ends by `start + maxMs`, or, if a
 * life-safety exemption (fire on a fail-safe door) began before that deadline and
 * overlapped the span, by the end of that exemption (chained, if another began
 * before the extended deadline). Returns a description of the first violation.
 */
export function capViolation(relay: readonly Span[], exempt: readonly Span[], maxMs: number): string | null {
  const sorted = [...exempt].sort((a, b) => a.start - b.start);
  for (const span of relay) {
    let allowed = span.start + maxMs;
    for (const e of sorted) {
      if (e.start > allowed) break;
      if (e.end >= span.start) allowed = Math.max(allowed, e.end);
    }
    if (span.end > allowed) {
      return `relay active ${span.start}..${span.end} (${span.end - span.start} ms) past its allowed end ${allowed} (max ${maxMs} ms)`;
    }
  }
  return null;
}
