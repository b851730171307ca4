import type { Clock } from '../clock.js';

/**
 * Readers that report a card over and over while it stays in the field (RDM6300
 * streams frames, a PN532 re-lists the card every poll) pass reads through this:
 * a value seen again within `windowMs` of its last sighting is the same
 * presentation and is dropped; a different value, or the same one after a pause,
 * is a new read.
 */
export class RepeatFilter {
  private last: { value: string; at: number } | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
  ) {
    if (!(Number.isFinite(windowMs) && windowMs >= 0)) throw new TypeError(`RepeatFilter: windowMs must be >= 0, got ${windowMs}`);
  }

  /** True when this sighting is a new read. */
  admit(value: string): boolean {
    const now = this.clock.now();
    const repeat = this.last !== null && this.last.value === value && now - this.last.at < this.windowMs;
    this.last = { value, at: now };
    return !repeat;
  }
}
